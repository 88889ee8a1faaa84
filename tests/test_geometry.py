import numpy as np
import pytest

from gae_helpers.models.autoencoder import AutoencoderConfig, decode
from gae_helpers.measure.geometry import (Morphs, interpolate, morph_strips, uniform_box_evidence,
                                  uniform_box_samples)
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import ClassOutlierDetector


def test_interpolate_includes_both_ends():
    path = interpolate([0, 0], [1, 2], steps=5)
    assert path.shape == (5, 2)
    np.testing.assert_allclose(path[0], [0, 0])
    np.testing.assert_allclose(path[-1], [1, 2])
    np.testing.assert_allclose(path[2], [0.5, 1])
    with pytest.raises(ValueError, match="steps must be at least 2"):
        interpolate([0], [1], steps=1)


def test_uniform_samples_fill_the_bounding_box():
    codes = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 0.0]])
    samples = uniform_box_samples(codes, 2000, random_state=0)
    assert samples.shape == (2000, 2)
    assert (samples.min(0) >= [0, -1]).all() and (samples.max(0) <= [2, 3]).all()
    assert samples[:, 1].std() > 1.0


def test_uniform_box_is_unlikely_under_tight_classes():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-5, 0.2, (200, 4)), rng.normal(5, 0.2, (200, 4))])
    y = np.repeat([0, 1], 200)
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    evidence = uniform_box_evidence(model, X, X[::3], n_samples=500, seed=0)
    assert evidence["uniform_box_above_test_1pct"] < 0.01
    assert evidence["loglik_median_uniform_box"] < evidence["loglik_median_test"] - 10


# --- interpolate, further -----------------------------------------------------------------

def test_interpolate_is_evenly_spaced_on_the_line():
    start, end = np.array([1.0, -2.0, 0.5]), np.array([4.0, 2.0, 0.5])
    path = interpolate(start, end, steps=7)
    assert path.shape == (7, 3)
    steps = np.diff(path, axis=0)
    np.testing.assert_allclose(steps, np.tile((end - start) / 6, (6, 1)))
    # Row vectors (1, d), as GMMClassifier.sample returns them, are accepted.
    np.testing.assert_allclose(interpolate(start[None], end[None], steps=7), path)
    np.testing.assert_allclose(interpolate(start, end, steps=2), [start, end])
    np.testing.assert_allclose(interpolate(start, start, steps=4), np.tile(start, (4, 1)))


# --- morph_strips -------------------------------------------------------------------------

CENTRES = np.array([[-10.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
NAMES = ("zero", "one", "two")


def separated_model():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, (100, 2)) for c in CENTRES])
    y = np.repeat([0, 1, 2], 100)
    return GMMClassifier(n_components=1, random_state=0).fit(X, y)


def none_rule(model, quantile=0.01):
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(c, 0.5, (100, 2)) for c in CENTRES])
    return ClassOutlierDetector(model, quantile=quantile).fit(X, np.repeat([0, 1, 2], 100))


@pytest.fixture(scope="module")
def small_ae():
    return AutoencoderConfig("dense", (1, 8, 8), latent_dim=2).build()


def test_morph_strips_one_strip_per_pair(small_ae):
    pairs = [(0, 1), (1, 2), (2, 0)]
    morphs = morph_strips(small_ae, separated_model(), pairs, steps=6, class_names=NAMES,
                          device="cpu")
    assert isinstance(morphs, Morphs)
    assert len(morphs.images) == len(morphs.labels) == len(morphs.predicted) == 3
    assert all(strip.shape == (6, 1, 8, 8) for strip in morphs.images)
    assert morphs.labels == ["zero -> one", "one -> two", "two -> zero"]
    for (start, end), words in zip(pairs, morphs.predicted):
        words = words.split(" ")
        assert len(words) == 6
        assert words[0] == NAMES[start] and words[-1] == NAMES[end]
        assert set(words) <= set(NAMES)


def test_morph_strips_decode_a_straight_path_between_the_classes(small_ae):
    model = separated_model()
    morphs = morph_strips(small_ae, model, [(0, 1)], steps=5, class_names=NAMES, seed=3,
                          device="cpu")
    start, _ = model.sample(1, 0, random_state=3)
    end, _ = model.sample(1, 1, random_state=3)
    np.testing.assert_allclose(start[0], CENTRES[0], atol=2.5)
    expected = decode(small_ae, interpolate(start, end, steps=5), device="cpu")
    np.testing.assert_allclose(morphs.images[0].numpy(), expected.numpy(), atol=1e-6)
    # Seeded: the same seed gives the same strip, another seed another one.
    again = morph_strips(small_ae, model, [(0, 1)], steps=5, class_names=NAMES, seed=3,
                         device="cpu")
    np.testing.assert_array_equal(again.images[0].numpy(), morphs.images[0].numpy())
    other = morph_strips(small_ae, model, [(0, 1)], steps=5, class_names=NAMES, seed=4,
                         device="cpu")
    assert not np.allclose(other.images[0].numpy(), morphs.images[0].numpy())


def test_morph_strips_say_none_between_far_apart_classes(small_ae):
    model = separated_model()
    morphs = morph_strips(small_ae, model, [(0, 1)], steps=9, class_names=NAMES,
                          none=none_rule(model), device="cpu")
    words = morphs.predicted[0].split(" ")
    assert len(words) == 9
    # The ends are typical codes of their classes; every step between lies 2.5 or more
    # (five standard deviations) away from every class's codes, so the model says "none".
    assert words == ["zero"] + ["none"] * 7 + ["one"]
