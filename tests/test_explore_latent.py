"""The latent maths the explorers use, now in gae_helpers.mixtures.classifier (component covariances,
principal axis) and gae_helpers.measure.sampling (sampling at a spread)."""

import numpy as np
import pytest

from gae_helpers.measure.sampling import component_covariances, principal_axis
from gae_helpers.measure.sampling import sample_with_spread


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_spread_scales_the_covariance_of_samples(covariance_type):
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    x = rng.multivariate_normal([1.0, -2.0, 0.5], [[2.0, 0.6, 0.0], [0.6, 1.0, 0.2],
                                                   [0.0, 0.2, 0.5]], size=3000)
    gm = GaussianMixture(1, covariance_type=covariance_type, random_state=0).fit(x)
    fitted_cov = component_covariances(gm)[0]
    for spread in (1.0, 2.25, 0.25):
        z = sample_with_spread(gm, 40000, spread, random_state=1)
        np.testing.assert_allclose(np.cov(z.T), spread * fitted_cov, atol=0.05 *
                                   spread * np.abs(fitted_cov).max())
        np.testing.assert_allclose(z.mean(0), gm.means_[0], atol=0.05)
    # same seed: a larger spread only stretches each sample away from its mean
    z1 = sample_with_spread(gm, 5, 1.0, random_state=3)
    z4 = sample_with_spread(gm, 5, 4.0, random_state=3)
    np.testing.assert_allclose(z4 - gm.means_[0], 2 * (z1 - gm.means_[0]))


def test_negative_spread_is_refused():
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(1, random_state=0).fit(np.random.default_rng(0).normal(size=(50, 2)))
    with pytest.raises(ValueError, match="spread must be >= 0"):
        sample_with_spread(gm, 3, -1.0)


def test_principal_axis_is_the_top_eigenvector():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2)) * [3.0, 0.5]
    gm = GaussianMixture(1, random_state=0).fit(x)
    mean, v1, std = principal_axis(gm, 0)
    assert abs(abs(v1[0]) - 1) < 0.01 and v1[np.argmax(np.abs(v1))] > 0
    assert std == pytest.approx(3.0, rel=0.05)
    np.testing.assert_allclose(mean, gm.means_[0])
