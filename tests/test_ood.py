import numpy as np
import pytest
import torch

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.measure.ood import (OODScorer, auroc, likelihood_score, ood_auroc_table,
                             reconstruction_score, transformed_images)


def reference_scores(n, seed):
    """Likelihood and reconstruction scores of in-distribution images (independent draws)."""
    rng = np.random.default_rng(seed)
    return rng.normal(-20.0, 4.0, n), -rng.gamma(2.0, 0.005, n)


def test_likelihood_score_is_the_joint_log_likelihood_of_the_assigned_class():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-4, 1, (300, 2)), rng.normal(4, 1, (100, 2))])
    y = np.repeat([0, 1], [300, 100])
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    codes = np.array([[-4.0, -4.0], [4.0, 4.0], [0.0, 30.0]])
    score = likelihood_score(model, codes)
    # A single Gaussian fitted to N(mu, I) codes: log N(mu | mu, I) = -log(2 pi) in 2-d,
    # plus the class's log prior (0.75 and 0.25).
    assert score[0] == pytest.approx(-np.log(2 * np.pi) + np.log(0.75), abs=0.2)
    assert score[1] == pytest.approx(-np.log(2 * np.pi) + np.log(0.25), abs=0.2)
    assert score[2] < score[1] - 100  # far from both classes
    # The assigned class is the one predict() picks.
    joint = model.predict_log_proba(codes) + model.score_samples(codes)[:, None]
    np.testing.assert_allclose(score, joint.max(axis=1))


def test_reconstruction_score():
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    noisy = x + 0.1 * torch.tensor([0.0, 1.0, 2.0, 3.0]).view(4, 1, 1, 1)
    np.testing.assert_allclose(reconstruction_score(x, noisy), [0.0, -0.01, -0.04, -0.09],
                               atol=1e-7)
    with pytest.raises(ValueError, match="the same shape"):
        reconstruction_score(x, x[:2])


def test_auroc_extremes():
    rng = np.random.default_rng(1)
    scores_in, scores_out = rng.normal(10, 1, 500), rng.normal(-10, 1, 300)
    assert auroc(scores_in, scores_out) == 1.0
    assert auroc(scores_out, scores_in) == 0.0
    same = rng.normal(0, 1, 20_000)
    assert auroc(same[:10_000], same[10_000:]) == pytest.approx(0.5, abs=0.02)
    # A likelihood of -inf ranks lowest instead of breaking sklearn.
    assert auroc([0.0, 1.0], [-np.inf, -5.0]) == 1.0


def test_ood_auroc_table():
    in_scores = np.arange(10.0)
    table = ood_auroc_table({"likelihood": (in_scores, {"far": in_scores - 100,
                                                        "same": in_scores}),
                             "reconstruction": (in_scores, {"far": in_scores + 100})})
    assert table == {"likelihood": {"far": 1.0, "same": 0.5}, "reconstruction": {"far": 0.0}}
    with pytest.raises(ValueError, match="must be a pair"):
        ood_auroc_table({"likelihood": in_scores})


def test_scorer_standardises_on_the_reference_set():
    lik, rec = reference_scores(5_000, seed=2)
    scorer = OODScorer().fit(lik, rec)
    for kind in ("likelihood", "reconstruction"):
        z = scorer.score(lik, rec, kind)
        assert z.mean() == pytest.approx(0.0, abs=1e-9) and z.std() == pytest.approx(1.0)
    np.testing.assert_allclose(scorer.score(lik, rec),
                               scorer.score(lik=lik, kind="likelihood")
                               + scorer.score(rec=rec, kind="reconstruction"))


@pytest.mark.parametrize("kind", ["combined", "likelihood", "reconstruction"])
@pytest.mark.parametrize("q", [0.01, 0.05, 0.2])
def test_threshold_rejects_about_q_of_fresh_in_distribution_data(kind, q):
    scorer = OODScorer().fit(*reference_scores(20_000, seed=3))
    fresh = scorer.score(*reference_scores(20_000, seed=4), kind=kind)
    rejected = np.mean(fresh < scorer.threshold(q, kind))
    assert rejected == pytest.approx(q, abs=max(0.005, 0.15 * q))


def test_combined_score_beats_each_score_when_both_carry_signal():
    rng = np.random.default_rng(5)
    n = 5_000
    lik_in, rec_in = rng.normal(0, 1, n), rng.normal(0, 1, n)
    lik_out, rec_out = rng.normal(-1, 1, n), rng.normal(-1, 1, n)  # each shifted a little
    scorer = OODScorer().fit(rng.normal(0, 1, n), rng.normal(0, 1, n))
    table = {kind: auroc(scorer.score(lik_in, rec_in, kind), scorer.score(lik_out, rec_out, kind))
             for kind in ("likelihood", "reconstruction", "combined")}
    assert table["combined"] > max(table["likelihood"], table["reconstruction"]) + 0.03


def test_scorer_errors_are_clear():
    with pytest.raises(ValueError, match="not fitted"):
        OODScorer().score(np.zeros(3), np.zeros(3))
    scorer = OODScorer().fit(*reference_scores(100, seed=6))
    with pytest.raises(ValueError, match="kind='combined' needs rec"):
        scorer.score(lik=np.zeros(3))
    with pytest.raises(ValueError, match="The 'kind' parameter of OODScorer must be a str among"):
        scorer.threshold(0.01, kind="both")
    with pytest.raises(ValueError, match=r"The 'q' parameter of OODScorer.threshold must be a "
                                         r"float in the range \(0.0, 0.5\)"):
        scorer.threshold(5)
    with pytest.raises(ValueError, match="all equal"):
        OODScorer().fit(np.ones(10), np.arange(10.0))
    with pytest.raises(ValueError, match="must be finite"):
        OODScorer().fit(np.array([0.0, -np.inf, 1.0]), np.arange(3.0))


def test_transformed_images(digits):
    x = digits.x_test[:5]
    inverted = transformed_images(x, "inverted")
    assert torch.allclose(inverted + x, torch.ones_like(x))
    rotated = transformed_images(x, "rotated")
    assert not torch.equal(rotated, x)
    four = rotated
    for _ in range(3):
        four = transformed_images(four, "rotated")
    assert torch.equal(four, x)  # four quarter turns
    # Counter-clockwise: the right column becomes the top row.
    assert torch.equal(rotated[:, :, 0, :], x[:, :, :, -1])
    noise = transformed_images(x, "noise", seed=1)
    assert noise.shape == x.shape and 0 <= noise.min() and noise.max() <= 1
    assert torch.equal(noise, transformed_images(x, "noise", seed=1))
    assert not torch.equal(noise, transformed_images(x, "noise", seed=2))
    with pytest.raises(ValueError, match="Unknown kind 'blurred'"):
        transformed_images(x, "blurred")
    with pytest.raises(ValueError, match="square images"):
        transformed_images(torch.zeros(1, 1, 4, 6), "rotated")
