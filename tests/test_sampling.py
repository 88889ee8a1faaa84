import numpy as np
import pytest
import torch
from sklearn.mixture import GaussianMixture

from gae_helpers.models.autoencoder import AutoencoderConfig, decode
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.measure.sampling import (Draw, Generated, decoded_class_samples, decoded_styles,
                                  decoding, from_class_gmms, from_gmm, from_prior,
                                  from_uniform_box, generate, sample_with_spread)

CENTRES = np.array([[-8.0, 0.0], [8.0, 0.0], [0.0, 8.0]])


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 0.5, (120, 2)) for c in CENTRES])
    return X, np.repeat([0, 1, 2], 120)


@pytest.fixture(scope="module")
def model():
    X, y = blobs()
    return GMMClassifier(n_components=2, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def single_gmm():
    return GaussianMixture(3, random_state=0).fit(blobs()[0])


@pytest.fixture(scope="module")
def ae():
    return AutoencoderConfig("dense", (1, 8, 8), latent_dim=2).build()


# --- the samplers of codes ----------------------------------------------------------------

def test_from_class_gmms_draws_labelled_codes_from_their_class(model):
    draw = from_class_gmms(model, 300, seed=0)
    assert isinstance(draw, Draw)
    assert draw.codes.shape == (300, 2) and draw.labels.shape == (300,)
    assert set(draw.labels.tolist()) == {0, 1, 2}
    # Each code lies near its own class's centre (the blobs are far apart).
    nearest = np.argmin(((draw.codes[:, None] - CENTRES[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(nearest, draw.labels)
    # Shuffled: not grouped by class.
    assert len(np.flatnonzero(np.diff(draw.labels))) > 10


def test_from_class_gmms_is_seeded(model):
    a, b, c = (from_class_gmms(model, 50, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.codes, b.codes)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.allclose(a.codes, c.codes)


def test_from_gmm_draws_unlabelled_codes(single_gmm):
    draw = from_gmm(single_gmm, 200, seed=0)
    assert draw.codes.shape == (200, 2) and draw.labels is None
    distance = np.min(((draw.codes[:, None] - CENTRES[None]) ** 2).sum(-1), axis=1)
    assert np.sqrt(distance).max() < 4  # every draw near one of the blobs
    np.testing.assert_array_equal(from_gmm(single_gmm, 20, seed=5).codes,
                                  from_gmm(single_gmm, 20, seed=5).codes)
    assert not np.allclose(from_gmm(single_gmm, 20, seed=5).codes,
                           from_gmm(single_gmm, 20, seed=6).codes)


def test_from_uniform_box_stays_inside_the_codes_box():
    codes = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 0.0]])
    draw = from_uniform_box(codes, 500, seed=0)
    assert draw.codes.shape == (500, 2) and draw.labels is None
    assert (draw.codes.min(0) >= [0, -1]).all() and (draw.codes.max(0) <= [2, 3]).all()
    assert draw.codes[:, 0].max() - draw.codes[:, 0].min() > 1.8  # it fills the box
    np.testing.assert_array_equal(draw.codes, from_uniform_box(codes, 500, seed=0).codes)
    assert not np.allclose(draw.codes, from_uniform_box(codes, 500, seed=1).codes)


def test_from_prior_is_standard_normal():
    draw = from_prior(3, 4000, seed=0)
    assert draw.codes.shape == (4000, 3) and draw.labels is None
    np.testing.assert_allclose(draw.codes.mean(0), 0, atol=0.1)
    np.testing.assert_allclose(draw.codes.std(0), 1, atol=0.1)
    np.testing.assert_array_equal(from_prior(3, 5, seed=7).codes, from_prior(3, 5, seed=7).codes)
    assert not np.allclose(from_prior(3, 5, seed=7).codes, from_prior(3, 5, seed=8).codes)


# --- decoding ----------------------------------------------------------------------------

def test_generate_decodes_every_draw(ae, model):
    draws = {"class": from_class_gmms(model, 6, seed=0), "prior": from_prior(2, 4, seed=0)}
    generated = generate(ae, draws, device="cpu")
    assert list(generated) == ["class", "prior"]
    assert isinstance(generated["class"], Generated)
    assert generated["class"].images.shape == (6, 1, 8, 8)
    assert generated["prior"].images.shape == (4, 1, 8, 8)
    np.testing.assert_array_equal(generated["class"].labels, draws["class"].labels)
    assert generated["prior"].labels is None
    torch.testing.assert_close(generated["prior"].images,
                               decode(ae, draws["prior"].codes, device="cpu"))
    images = generated["class"].images
    assert float(images.min()) >= 0 and float(images.max()) <= 1


def test_decoding_gives_draw_functions_of_n_images(ae, model, single_gmm):
    samplers = {"class": lambda n, s: from_class_gmms(model, n, s),
                "single_gmm": lambda n, s: from_gmm(single_gmm, n, s),
                "prior": lambda n, s: from_prior(2, n, s)}
    draws = decoding(ae, samplers, device="cpu")
    assert list(draws) == list(samplers)
    for name, draw in draws.items():
        generated = draw(5, 3)
        assert isinstance(generated, Generated)
        assert generated.images.shape == (5, 1, 8, 8)
        torch.testing.assert_close(generated.images,
                                   decode(ae, samplers[name](5, 3).codes, device="cpu"))
        torch.testing.assert_close(draw(5, 3).images, generated.images)  # seeded
        assert not torch.equal(draw(5, 4).images, generated.images)
    np.testing.assert_array_equal(draws["class"](5, 3).labels,
                                  from_class_gmms(model, 5, 3).labels)
    assert draws["single_gmm"](5, 3).labels is None and draws["prior"](5, 3).labels is None


def test_decoded_class_samples_has_a_row_per_class(ae, model):
    rows = decoded_class_samples(ae, model, 4, seed=0, device="cpu")
    assert len(rows) == 3
    assert all(row.shape == (4, 1, 8, 8) for row in rows)
    # Row k decodes codes of class k: each image is nearest the decoded centre of its class.
    centres = decode(ae, CENTRES, device="cpu").flatten(1)
    for k, row in enumerate(rows):
        nearest = torch.cdist(row.flatten(1), centres).argmin(dim=1)
        assert nearest.tolist() == [k] * 4
    again = decoded_class_samples(ae, model, 4, seed=0, device="cpu")
    assert all(torch.equal(a, b) for a, b in zip(rows, again))
    other = decoded_class_samples(ae, model, 4, seed=1, device="cpu")
    assert not torch.equal(rows[0], other[0])


def test_decoded_styles_heaviest_component_first(ae):
    rng = np.random.default_rng(0)
    # Class 0: a heavy component at (-8, 0) and a light one at (-8, 6); class 1 the reverse
    # order of weights along its axis.
    X = np.vstack([rng.normal([-8, 0], 0.3, (150, 2)), rng.normal([-8, 6], 0.3, (30, 2)),
                   rng.normal([8, 0], 0.3, (40, 2)), rng.normal([8, 6], 0.3, (140, 2))])
    y = np.repeat([0, 1], 180)
    model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    styles = decoded_styles(ae, model, device="cpu")
    assert len(styles) == 2 and all(s.shape == (2, 1, 8, 8) for s in styles)
    expected = decode(ae, [[-8, 0], [-8, 6], [8, 6], [8, 0]], device="cpu")
    torch.testing.assert_close(torch.cat(styles), expected, atol=0.02, rtol=0)
    for gmm, style in zip(model.gmms_, styles):
        heaviest = gmm.means_[np.argmax(gmm.weights_)]
        torch.testing.assert_close(style[0], decode(ae, heaviest[None], device="cpu")[0])


# --- sample_with_spread ------------------------------------------------------------------

def test_sample_with_spread_reproducible_and_scaled(single_gmm):
    codes, components = sample_with_spread(single_gmm, 3000, 1.0, random_state=0,
                                           return_components=True)
    assert codes.shape == (3000, 2) and components.shape == (3000,)
    again = sample_with_spread(single_gmm, 3000, 1.0, random_state=0)
    np.testing.assert_array_equal(codes, again)
    assert not np.allclose(codes, sample_with_spread(single_gmm, 3000, 1.0, random_state=1))
    # Components by their weights; each sample's offset from its mean matches the fit.
    shares = np.bincount(components, minlength=3) / 3000
    np.testing.assert_allclose(shares, single_gmm.weights_, atol=0.04)
    offsets = codes - single_gmm.means_[components]
    assert np.abs(offsets).mean() == pytest.approx(0.5 * np.sqrt(2 / np.pi), rel=0.1)
    wide = sample_with_spread(single_gmm, 3000, 9.0, random_state=0)
    np.testing.assert_allclose(wide - single_gmm.means_[components], 3 * offsets)
    means = sample_with_spread(single_gmm, 10, 0.0, random_state=0)
    np.testing.assert_allclose(means, single_gmm.means_[components[:10]])
    with pytest.raises(ValueError, match="spread must be >= 0"):
        sample_with_spread(single_gmm, 3, -1.0)
    with pytest.raises(ValueError, match="spread must be >= 0"):
        sample_with_spread(single_gmm, 3, float("nan"))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_sample_with_spread_every_covariance_type(covariance_type):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([0, 0], [1.0, 0.2], (400, 2)),
                   rng.normal([10, 0], [1.0, 0.2], (400, 2))])
    gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    codes, components = sample_with_spread(gm, 2000, 1.0, random_state=0,
                                           return_components=True)
    offsets = codes - gm.means_[components]
    # Sample covariance of the offsets matches the fitted one (averaged over components).
    fitted = np.mean([np.cov(X[gm.predict(X) == k].T) for k in range(2)], axis=0)
    if covariance_type == "spherical":
        fitted = np.eye(2) * np.trace(fitted) / 2
    np.testing.assert_allclose(np.cov(offsets.T), fitted, atol=0.1)


def test_sample_with_spread_follows_new_covariances(single_gmm):
    """The cached Cholesky factors are dropped when the covariances change."""
    import copy

    gm = copy.deepcopy(single_gmm)
    before = sample_with_spread(gm, 500, 1.0, random_state=0)
    gm.covariances_ = gm.covariances_ * 4.0
    after = sample_with_spread(gm, 500, 1.0, random_state=0)
    _, components = sample_with_spread(gm, 500, 1.0, random_state=0, return_components=True)
    np.testing.assert_allclose(after - gm.means_[components],
                               2 * (before - gm.means_[components]))
