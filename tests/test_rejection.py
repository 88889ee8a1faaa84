import numpy as np
import pytest
import torch

from gae_helpers.measure import ood
from gae_helpers.models.autoencoder import (AutoencoderConfig, decode, encode, reconstruct,
                                     train_autoencoder)
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.measure.rejection import (SCORES, ImageScorer, Rejection, evaluate_rejection,
                                   outsider_images)


@pytest.fixture(scope="module")
def fitted(digits):
    """A small autoencoder and class GMMs fitted to 250 digits; the other 150 training digits
    are the held-out reference images, the 100 test digits the in-distribution test images."""
    ae = AutoencoderConfig("dense", (1, 8, 8), latent_dim=4, widths=(32,)).build()
    train_autoencoder(ae, digits.x_train[:250], epochs=15, batch_size=250, learning_rate=2e-2,
                      progress=False, device="cpu")
    codes = encode(ae, digits.x_train[:250], device="cpu")
    model = GMMClassifier(n_components=1, random_state=0).fit(codes,
                                                                     digits.y_train[:250])
    reference = digits.x_train[250:]
    return ae, model, reference


@pytest.fixture(scope="module")
def scorer(fitted):
    ae, model, reference = fitted
    return ImageScorer.from_models(ae, model, reference, device="cpu")


# --- ImageScorer --------------------------------------------------------------------------

def test_raw_scores_are_the_gmm_likelihood_and_the_reconstruction_error(fitted, scorer,
                                                                        digits):
    ae, model, _ = fitted
    images = digits.x_test[:20]
    lik, rec = scorer.raw_scores(images)
    codes = encode(ae, images, device="cpu")
    np.testing.assert_allclose(lik, ood.likelihood_score(model, codes))
    expected = -((images - decode(ae, codes, device="cpu")) ** 2).mean(dim=(1, 2, 3))
    np.testing.assert_allclose(rec, expected.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(rec, ood.reconstruction_score(
        images, reconstruct(ae, images, device="cpu")), rtol=1e-6)
    assert lik.shape == rec.shape == (20,)


def test_from_models_standardises_on_the_reference_images(fitted, scorer):
    _, _, reference = fitted
    for kind in ("likelihood", "reconstruction"):
        z = scorer.score(reference, kind)
        assert z.mean() == pytest.approx(0.0, abs=1e-6)
        assert z.std() == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(scorer.score(reference, "combined"),
                               scorer.score(reference, "likelihood")
                               + scorer.score(reference, "reconstruction"))


def test_score_of_each_kind(scorer, digits):
    images = digits.x_test[:10]
    lik, rec = scorer.raw_scores(images)
    mean, std = scorer.scorer.mean_, scorer.scorer.std_
    lik_z = (lik - mean["likelihood"]) / std["likelihood"]
    rec_z = (rec - mean["reconstruction"]) / std["reconstruction"]
    np.testing.assert_allclose(scorer.score(images, "likelihood"), lik_z)
    np.testing.assert_allclose(scorer.score(images, "reconstruction"), rec_z)
    np.testing.assert_allclose(scorer.score(images, "combined"), lik_z + rec_z)
    np.testing.assert_allclose(scorer.score(images), lik_z + rec_z)  # combined by default


def test_noise_scores_below_digits(scorer, digits):
    noise = ood.transformed_images(digits.x_test[:50], "noise", seed=1)
    assert np.median(scorer.score(noise)) < np.quantile(scorer.score(digits.x_test), 0.01)


def test_unknown_score_is_refused(scorer, digits):
    with pytest.raises(ValueError, match="The 'kind' parameter of OODScorer must be a str among .* Got 'entropy'"):
        scorer.score(digits.x_test[:5], "entropy")


# --- outsider_images ----------------------------------------------------------------------

def test_outsider_images_without_another_dataset(digits):
    outsiders = outsider_images(digits.x_test, n=30, seed=0)
    assert list(outsiders) == ["uniform noise", "inverted test images"]
    noise, inverted = outsiders["uniform noise"], outsiders["inverted test images"]
    assert noise.shape == inverted.shape == (30, 1, 8, 8)
    assert 0 <= float(noise.min()) and float(noise.max()) <= 1
    assert 0.4 < float(noise.mean()) < 0.6  # uniform, not images
    # Each inverted image is 1 - a distinct test image.
    flat_test = (1 - digits.x_test).flatten(1)
    matches = [int(torch.nonzero((flat_test == img).all(dim=1))[0])
               for img in inverted.flatten(1)]
    assert len(set(matches)) == 30
    assert matches == sorted(matches)


def test_outsider_images_are_seeded_and_capped_at_the_test_images(digits):
    a, b = outsider_images(digits.x_test, n=20, seed=3), outsider_images(digits.x_test, n=20,
                                                                         seed=3)
    assert torch.equal(a["uniform noise"], b["uniform noise"])
    assert torch.equal(a["inverted test images"], b["inverted test images"])
    c = outsider_images(digits.x_test, n=20, seed=4)
    assert not torch.equal(a["uniform noise"], c["uniform noise"])
    assert not torch.equal(a["inverted test images"], c["inverted test images"])
    everything = outsider_images(digits.x_test, n=10_000)
    assert len(everything["inverted test images"]) == len(digits.x_test)
    torch.testing.assert_close(everything["inverted test images"], 1 - digits.x_test)


def test_outsider_images_with_another_dataset(digits):
    other = torch.zeros(7, 1, 8, 8)
    outsiders = outsider_images(digits.x_test, other, "blank", n=10)
    assert list(outsiders) == ["uniform noise", "inverted test images", "blank images"]
    assert outsiders["blank images"] is other


# --- evaluate_rejection -------------------------------------------------------------------

def test_reject_rate_on_held_out_digits_is_near_the_target(scorer, digits):
    outsiders = outsider_images(digits.x_test, n=100)
    result = evaluate_rejection(scorer, digits.x_test, outsiders, "combined", 0.1)
    assert isinstance(result, Rejection)
    assert result.metrics["reject_rate_target"] == 0.1
    # 100 unseen digits of the reference images' distribution: about 10% rejected.
    assert abs(result.metrics["reject_rate_test"] - 0.1) < 0.08
    assert result.rejected_test.dtype == bool and result.rejected_test.shape == (100,)
    assert result.rejected_test.mean() == result.metrics["reject_rate_test"]
    # Noise is rejected almost always and ranked below the digits by the combined score.
    assert result.metrics["reject_rate_noise"] > 0.9
    assert result.metrics["reject_rate_inverted"] > 0.9
    assert result.metrics["ood_auroc"]["combined"]["uniform noise"] > 0.95
    assert result.metrics["ood_auroc"]["reconstruction"]["uniform noise"] > 0.95
    assert "reject_rate_other_dataset" not in result.metrics


@pytest.mark.parametrize("kind, q", [("combined", 0.2), ("likelihood", 0.05),
                                     ("reconstruction", 0.4)])
def test_reject_rate_on_the_reference_images_is_the_quantile(fitted, scorer, kind, q):
    _, _, reference = fitted
    outsiders = outsider_images(reference, n=20)
    result = evaluate_rejection(scorer, reference, outsiders, kind, q)
    assert result.metrics["reject_score"] == kind
    assert result.metrics["reject_rate_test"] == pytest.approx(q, abs=1.5 / len(reference))


def test_rejection_tables(scorer, digits):
    other = torch.rand(15, 1, 8, 8, generator=torch.Generator().manual_seed(0)) ** 4
    outsiders = outsider_images(digits.x_test, other, "sparse", n=40)
    result = evaluate_rejection(scorer, digits.x_test, outsiders, "reconstruction", 0.05)
    kinds = ["uniform noise", "inverted test images", "sparse images"]
    assert result.auroc_table.index.tolist() == list(SCORES)
    assert result.auroc_table.columns.tolist() == kinds
    assert ((result.auroc_table >= 0) & (result.auroc_table <= 1)).all().all()
    assert result.auroc_table.loc["combined", "uniform noise"] == \
        result.metrics["ood_auroc"]["combined"]["uniform noise"]
    assert result.rate_table.index.name == "input"
    assert result.rate_table.index.tolist() == ["test images", *kinds]
    assert result.rate_table.columns.tolist() == ["share rejected"]
    rates = result.rate_table["share rejected"]
    assert rates["test images"] == result.metrics["reject_rate_test"]
    assert rates["sparse images"] == result.metrics["reject_rate_other_dataset"]
    assert rates["uniform noise"] == result.metrics["reject_rate_noise"]
    assert result.metrics["reject_rates"] == rates.to_dict()


@pytest.mark.parametrize("q", [0.0, 0.5, 1.0, -0.1, 1.5])
def test_reject_quantile_must_lie_strictly_inside(scorer, digits, q):
    with pytest.raises(ValueError, match=r"must be a float in the range \(0.0, 0.5\)"):
        evaluate_rejection(scorer, digits.x_test, {}, "combined", q)


def test_codes_and_rebuilds_the_caller_has_are_not_computed_again(fitted, scorer, digits):
    ae, model, reference = fitted
    codes = encode(ae, digits.x_test, device="cpu")
    rebuilt = decode(ae, codes, device="cpu")
    fresh = scorer.raw_scores(digits.x_test)
    for given in (scorer.raw_scores(digits.x_test, codes=codes),
                  scorer.raw_scores(digits.x_test, codes=codes, rebuilt=rebuilt)):
        for a, b in zip(given, fresh):
            np.testing.assert_array_equal(a, b)
    again = ImageScorer.from_models(ae, model, reference, encode(ae, reference, device="cpu"),
                                    device="cpu")
    np.testing.assert_array_equal(again.scorer.reference_["combined"],
                                  scorer.scorer.reference_["combined"])
    with pytest.raises(ValueError, match="one row per image"):
        scorer.raw_scores(digits.x_test, codes=codes[:3])
