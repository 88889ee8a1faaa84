import numpy as np
import pytest
import torch

from gae_helpers.models.judge import JudgeConfig
from gae_helpers.measure.sample_quality import (REAL, RECONSTRUCTIONS, compare, score_samplers,
                                        split_real, summary_rows)
from gae_helpers.measure.sampling import Generated


@pytest.fixture(scope="module")
def judge_model():
    # A small penultimate layer: Fréchet distances of 16 features are cheap to compute.
    return JudgeConfig((1, 8, 8), 10, widths=(8, 16), hidden=16).build(seed=0)


def noise_sampler(n, seed):
    return Generated(torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed)))


def real_sampler(pool, labels):
    """Other real images than the ones scored: a sampler of the real images' distribution."""
    def draw(n, seed):
        idx = np.random.default_rng(seed).choice(len(pool), n, replace=False)
        return Generated(pool[idx], labels[idx])
    return draw


# --- split_real -------------------------------------------------------------------------

@pytest.mark.parametrize("n_images", [10, 11, 200])
def test_split_real_halves_are_disjoint_and_cover_everything(n_images):
    reference, held = split_real(n_images, seed=3)
    assert len(reference) == n_images // 2
    assert len(held) == n_images - n_images // 2
    assert not set(reference.tolist()) & set(held.tolist())
    np.testing.assert_array_equal(np.sort(np.concatenate([reference, held])),
                                  np.arange(n_images))
    # random order, so that the first n of either half are a random draw of n
    assert not (np.diff(reference) > 0).all()


def test_split_real_is_deterministic_per_seed():
    a, b = split_real(100, seed=0), split_real(100, seed=0)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    other = split_real(100, seed=1)
    assert not np.array_equal(a[0], other[0])
    # Not simply the first half: the split is shuffled.
    assert not np.array_equal(a[0], np.arange(50))


# --- score_samplers -----------------------------------------------------------------------

def test_score_samplers_rows_and_equal_n(judge_model, digits):
    samplers = {"noise": noise_sampler,
                "other real": real_sampler(digits.x_train, digits.y_train)}
    rebuilds = {RECONSTRUCTIONS: digits.x_test.clamp(0.1, 0.9),
                "vae reconstructions": 0.5 * digits.x_test}
    rows = score_samplers(judge_model, samplers, digits.x_test, n=30, draws=3,
                          reconstructions=rebuilds, device="cpu")
    assert list(rows) == ["noise", "other real", REAL, RECONSTRUCTIONS, "vae reconstructions"]
    for name, row in rows.items():
        assert set(row) == {"n", "frechet_distance", "frechet_sd", "frechet_draws", "judge_agreement",
                            "judge_confidence"}
        assert row["n"] == 30
        assert row["frechet_distance"] > 0
        assert row["frechet_sd"] > 0, name
    # Labels only where a sampler gives them; the real and rebuilt rows have no verdict.
    assert rows["noise"]["judge_agreement"] is None
    assert 0 <= rows["other real"]["judge_agreement"] <= 1
    assert 0 < rows["noise"]["judge_confidence"] <= 1
    for name in (REAL, RECONSTRUCTIONS, "vae reconstructions"):
        assert rows[name]["judge_agreement"] is None
        assert rows[name]["judge_confidence"] is None


def test_n_is_lowered_to_half_the_real_images(judge_model):
    real = torch.rand(40, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    seen = []

    def sampler(n, seed):
        seen.append((n, seed))
        return noise_sampler(n, seed)

    rows = score_samplers(judge_model, {"noise": sampler}, real, n=500, draws=2, seed=4,
                          device="cpu")
    assert {row["n"] for row in rows.values()} == {20}
    # Every round asks the sampler for n images with a seed of its own.
    assert seen == [(20, 4000), (20, 4001)]


def test_n_is_lowered_to_half_an_odd_number_of_real_images(judge_model):
    real = torch.rand(41, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    rows = score_samplers(judge_model, {"noise": noise_sampler}, real, n=500, draws=2,
                          device="cpu")
    assert rows[REAL]["n"] == 20


@pytest.mark.parametrize("draws", [1, 0, True, 2.5])
def test_a_single_draw_is_refused(judge_model, draws):
    real = torch.rand(40, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"The 'draws' parameter of score_samplers must be an "
                                         r"int in the range \[2, inf\)"):
        score_samplers(judge_model, {"noise": noise_sampler}, real, n=10, draws=draws,
                       device="cpu")


def test_too_few_real_images_are_refused(judge_model):
    real = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="fewer than 2 per set"):
        score_samplers(judge_model, {"noise": noise_sampler}, real, n=10, device="cpu")


def test_real_distribution_scores_near_the_floor_and_noise_far_above(judge_model, digits):
    samplers = {"other real": real_sampler(digits.x_train, digits.y_train),
                "noise": noise_sampler}
    rows = score_samplers(judge_model, samplers, digits.x_test, n=40, draws=4, device="cpu")
    floor, other, noise = rows[REAL], rows["other real"], rows["noise"]
    assert compare(rows, "other real", REAL).startswith(
        "other real and real images cannot be told apart")
    assert abs(other["frechet_distance"] - floor["frechet_distance"]) \
        < 0.5 * floor["frechet_distance"]
    assert noise["frechet_distance"] > 3 * floor["frechet_distance"]
    assert noise["frechet_distance"] - floor["frechet_distance"] \
        > 4 * np.hypot(noise["frechet_sd"], floor["frechet_sd"])
    assert compare(rows, "noise", REAL).startswith("noise can be told from real images")


def test_identity_reconstructions_equal_the_real_row_and_seeds_reproduce(judge_model, digits):
    rebuilds = {RECONSTRUCTIONS: digits.x_test}
    a = score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                       seed=1, reconstructions=rebuilds, device="cpu")
    # Rebuilding the held images perfectly scores exactly the held images themselves.
    assert a[RECONSTRUCTIONS]["frechet_distance"] == pytest.approx(
        a[REAL]["frechet_distance"], rel=1e-6)
    b = score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                       seed=1, reconstructions=rebuilds, device="cpu")
    assert a == b
    c = score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                       seed=2, device="cpu")
    assert c[REAL]["frechet_distance"] != a[REAL]["frechet_distance"]


# --- summary_rows and compare -------------------------------------------------------------

def test_summary_rows_keeps_the_printed_columns():
    scores = {"x": {"n": 50, "frechet_distance": 3.0, "frechet_sd": 0.2,
                    "judge_agreement": 0.9, "judge_confidence": 0.8},
              REAL: {"n": 50, "frechet_distance": 1.0, "frechet_sd": 0.1}}
    summary = summary_rows(scores)
    assert list(summary) == ["x", REAL]
    assert summary["x"] == {"judge_agreement": 0.9, "judge_confidence": 0.8,
                            "frechet_distance": 3.0, "± sd": 0.2}
    assert summary[REAL] == {"judge_agreement": None, "judge_confidence": None,
                             "frechet_distance": 1.0, "± sd": 0.1}


def test_compare_within_twice_the_standard_error():
    rows = {"a": {"frechet_distance": 5.0, "frechet_draws": [4.0, 5.0, 6.0]},
            "b": {"frechet_distance": 5.8, "frechet_draws": [5.0, 5.4, 7.0]}}
    # paired differences 1.0, 0.4, 1.0: mean 0.8, se 0.2 -> resolved; make it noisier:
    rows["b"]["frechet_draws"] = [6.2, 4.4, 6.8]  # differences 2.2, -0.6, 0.8: se 0.81
    assert compare(rows, "a", "b") == (
        "a and b cannot be told apart at this n: 5.00 against 5.80, a difference of 0.80 ± 0.81 "
        "(standard error over 3 paired draws), within twice its standard error.")


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_compare_beyond_twice_the_standard_error_names_the_closer_row(order):
    rows = {"a": {"frechet_distance": 5.0, "frechet_draws": [4.0, 5.0, 6.0]},
            "b": {"frechet_distance": 6.5, "frechet_draws": [5.4, 6.5, 7.6]}}
    assert compare(rows, *order) == (
        "a is closer to the real images than b: 5.00 against 6.50, a difference of 1.50 ± 0.06 "
        "(standard error over 3 paired draws), beyond twice its standard error.")


def test_given_real_features_and_rebuilds_are_used_not_recomputed(judge_model, digits,
                                                                   monkeypatch):
    from gae_helpers.models import judge

    real = judge.features(judge_model, digits.x_test, device="cpu")
    rebuilds = {RECONSTRUCTIONS: digits.x_test.clamp(0.1, 0.9)}
    expected = score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20,
                              draws=2, reconstructions=rebuilds, device="cpu")
    seen = []
    original = judge.features
    monkeypatch.setattr(judge, "features", lambda m, x, **kw: seen.append(len(x))
                        or original(m, x, **kw))
    given = score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                           reconstructions=rebuilds, real_features=real, device="cpu")
    assert given == expected
    assert seen == [len(digits.x_test)]  # the rebuilds once; the real images not at all
    with pytest.raises(ValueError, match="real_features has 3 rows"):
        score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                       real_features=real[:3], device="cpu")
    with pytest.raises(ValueError, match="must be the rebuilds of real_images"):
        score_samplers(judge_model, {"noise": noise_sampler}, digits.x_test, n=20, draws=2,
                       reconstructions={RECONSTRUCTIONS: lambda x: x}, device="cpu")
