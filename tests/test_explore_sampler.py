"""The sampler explorer (gae_helpers/explore/sampler.py): a class's GMM sampled at a spread."""

import numpy as np

from gae_helpers import explore
from test_explore_base import PNG, fitted, new_explorer  # noqa: F401 (fitted: a fixture)


def test_sampler_changes_and_spread(fitted):  # noqa: F811
    ex = new_explorer(explore.SamplerExplorer, fitted, judge_proba=fitted.judge)
    first_png, first_codes = ex.static_png(), ex.codes.copy()
    assert first_png.startswith(PNG)
    assert ex.spread.description == "spread" and not hasattr(ex, "temperature")
    means = fitted.gmm.gmms_[0].means_[ex.components]
    ex.spread.value = 2.25
    np.testing.assert_allclose(ex.codes - means, 1.5 * (first_codes - means))
    assert ex.static_png() != first_png
    ex.spread.value = 0.0
    np.testing.assert_allclose(ex.codes, means)
    ex.spread.value = 1.0
    np.testing.assert_allclose(ex.codes, first_codes)
    assert ex.static_png() == first_png  # deterministic: the same state, the same bytes
    ex.resample()
    assert not np.allclose(ex.codes, first_codes)
    ex.resample_button.click()
    assert ex.draw == 2
    ex.class_dropdown.value = 3
    assert ex.summary().startswith("Sampler explorer: class 3, spread 1.0, 10 samples; "
                                   "judge agrees on ")
    assert len(ex.verdicts[0]) == 10 and np.all((ex.verdicts[1] > 0) & (ex.verdicts[1] <= 1))
    assert ex.images.shape == (10, 8, 8)
    assert ex.errors == []


def test_sampler_without_judge_has_no_verdicts(fitted):  # noqa: F811
    ex = new_explorer(explore.SamplerExplorer, fitted, n_samples=4, class_label=2)
    assert ex.verdicts is None
    assert ex.summary() == "Sampler explorer: class 2, spread 1.0, 4 samples"
