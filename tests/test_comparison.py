import itertools

import pytest

from gae_helpers.measure.comparison import SAMPLERS, budget_table, gap_shares, verdict
from gae_helpers.measure.sample_quality import paired_difference

MODELS = {"ae": {"accuracy_test": 0.9812, "reconstruction_mse_test": 0.0041},
          "vae": {"accuracy_test": 0.9534, "reconstruction_mse_test": 0.0123}}


# Per-draw noise of each sampler, its own order of the same three offsets: the paired
# differences of two samplers then have a standard error of sd (or sd * sqrt(3) / 2).
NOISE = dict(zip(SAMPLERS, itertools.permutations([-1, 0, 1])))


def samples_with(sd=0.1, **distances):
    """Scores of every sampler over 3 draws: mean distance 2.0 unless given, each draw off the
    mean by -sd, 0 or +sd, in an order of the sampler's own."""
    rows = {name: {"frechet_distance": 2.0, "frechet_sd": sd, "judge_agreement": 0.5}
            for name in SAMPLERS}
    for name, fd in distances.items():
        rows[name]["frechet_distance"] = fd
    for name, row in rows.items():
        row["frechet_draws"] = [row["frechet_distance"] + sd * e for e in NOISE[name]]
    rows["ae_class_gmms"]["judge_agreement"] = 0.912
    rows["vae_class_gmms"]["judge_agreement"] = 0.874
    return rows


# --- the paired rule ---------------------------------------------------------------------

def test_the_difference_is_b_minus_a_over_paired_draws():
    rows = samples_with(ae_single_gmm=2.0, vae_prior=4.0)
    d = paired_difference(rows, "ae_single_gmm", "vae_prior")
    assert d["gap"] == pytest.approx(2.0)
    assert d["se"] == pytest.approx(0.1)
    assert d["resolved"] is True
    assert paired_difference(rows, "vae_prior", "ae_single_gmm")["gap"] == pytest.approx(-2.0)


def test_draws_that_move_together_resolve_what_their_sds_would_not():
    # Both rows swing by +-1 with the shared reference half; their difference is steady.
    rows = {"a": {"frechet_draws": [4.0, 5.0, 6.0]}, "b": {"frechet_draws": [4.5, 5.5, 6.6]}}
    d = paired_difference(rows, "a", "b")
    assert d["resolved"] is True and d["gap"] == pytest.approx(8 / 15)


def test_a_difference_within_twice_its_standard_error_is_not_resolved():
    d = paired_difference(samples_with(sd=1.0, ae_single_gmm=2.0, vae_prior=3.0),
                          "ae_single_gmm", "vae_prior")
    assert d["gap"] == pytest.approx(1.0) and d["resolved"] is False


# --- gap_shares ---------------------------------------------------------------------------

def test_gap_shares_split_the_total_and_sum_to_one():
    rows = samples_with(vae_prior=9.0, vae_class_gmms=4.0, ae_class_gmms=1.0)
    shares = gap_shares(rows)
    assert shares["total"] == pytest.approx(8.0)
    assert shares["density"] == pytest.approx(5.0)
    assert shares["codes"] == pytest.approx(3.0)
    assert shares["density_share"] == pytest.approx(5 / 8)
    assert shares["codes_share"] == pytest.approx(3 / 8)
    assert shares["density_share"] + shares["codes_share"] == pytest.approx(1.0)


def test_gap_shares_sum_to_one_even_when_one_factor_is_negative():
    # The VAE's codes beat the autoencoder's under class GMMs: codes < 0, density > total.
    shares = gap_shares(samples_with(vae_prior=9.0, vae_class_gmms=0.5, ae_class_gmms=1.0))
    assert shares["codes"] == pytest.approx(-0.5)
    assert shares["density_share"] + shares["codes_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("prior", [1.0, 0.5])  # total zero, then negative
def test_gap_shares_are_none_without_a_positive_total(prior):
    shares = gap_shares(samples_with(vae_prior=prior, vae_class_gmms=3.0, ae_class_gmms=1.0))
    assert shares["total"] == pytest.approx(prior - 1.0)
    assert shares["density_share"] is None and shares["codes_share"] is None
    assert shares["density"] == pytest.approx(prior - 3.0)
    assert shares["codes"] == pytest.approx(2.0)


# --- verdict ------------------------------------------------------------------------------

def test_verdict_claim_held():
    text = verdict(MODELS, samples_with(ae_single_gmm=2.0, vae_prior=4.0))
    first = text.splitlines()[0]
    assert first.startswith("Without labels, the claim held on this run: the autoencoder with "
                            "one GMM samples closer to the real test images")
    assert "2.00 ± 0.10 against 4.00 ± 0.10" in first
    assert ("the difference 2.00 ± 0.10, paired over the draws, exceeds twice its standard "
            "error") in first


def test_verdict_claim_did_not_hold():
    first = verdict(MODELS, samples_with(ae_single_gmm=5.0, vae_prior=3.0)).splitlines()[0]
    assert first.startswith("Without labels, the claim did not hold on this run: the VAE's "
                            "N(0, I) prior samples closer to the real test images")
    assert "5.00 ± 0.10 against 3.00 ± 0.10" in first


def test_verdict_claim_undecided_within_two_standard_errors():
    first = verdict(MODELS, samples_with(sd=1.0, ae_single_gmm=2.0, vae_prior=3.0)
                    ).splitlines()[0]
    assert first.startswith("Without labels, the claim is undecided on this run: the "
                            "autoencoder with one GMM and the VAE's N(0, I) prior cannot be "
                            "told apart on this run")
    assert ("the difference 1.00 ± 1.00, paired over the draws, is within twice its standard "
            "error") in first


@pytest.mark.parametrize("ae, vae, winner", [
    (1.0, 3.0, "the autoencoder with class GMMs samples closer"),
    (3.0, 1.0, "the VAE with class GMMs samples closer"),
])
def test_verdict_labelled_pair_resolved(ae, vae, winner):
    lines = verdict(MODELS, samples_with(ae_class_gmms=ae, vae_class_gmms=vae)).splitlines()
    assert lines[1].startswith("With labels for the GMMs: " + winner)
    assert "exceeds twice its standard error" in lines[1]


def test_verdict_labelled_pair_unresolved():
    rows = samples_with(ae_class_gmms=2.0, vae_class_gmms=2.1)  # se 0.1: within 0.2
    lines = verdict(MODELS, rows).splitlines()
    assert lines[1].startswith("With labels for the GMMs: the autoencoder with class GMMs and "
                               "the VAE with class GMMs cannot be told apart on this run")
    assert ("the difference 0.10 ± 0.10, paired over the draws, is within twice its standard "
            "error") in lines[1]


def test_verdict_shares_sentence_only_with_a_positive_gap():
    with_gap = verdict(MODELS, samples_with(vae_prior=10.0, vae_class_gmms=4.0,
                                            ae_class_gmms=2.0))
    assert ("Of the gap between the VAE's prior and the autoencoder's class GMMs (8.00), 75% "
            "comes from fitting class GMMs after training instead of sampling the prior, and "
            "25% from the autoencoder's codes.") in with_gap.splitlines()
    assert len(with_gap.splitlines()) == 5
    without = verdict(MODELS, samples_with(vae_prior=2.0, vae_class_gmms=4.0,
                                           ae_class_gmms=3.0))
    assert "Of the gap" not in without
    assert len(without.splitlines()) == 4


def test_verdict_reports_the_models_and_the_judge():
    lines = verdict(MODELS, samples_with()).splitlines()
    assert lines[-2] == ("Classifying by class GMMs: 0.9812 on the autoencoder's codes, 0.9534 "
                         "on the VAE's means; reconstruction error 0.0041 against 0.0123.")
    assert lines[-1] == ("The judge recognises 0.912 of the autoencoder's class samples and "
                         "0.874 of the VAE's as the class they were drawn from.")


def test_budget_table_has_a_row_per_model():
    table = budget_table({"ae": {"parameters": 10, "epochs": 3},
                          "vae": {"parameters": 12, "epochs": 3}})
    assert table.index.name == "model"
    assert table.index.tolist() == ["ae", "vae"]
    assert table.loc["vae", "parameters"] == 12


def test_budget_table_keeps_the_order_given():
    # pandas 2.1 sorted the rows of one-field models ("vae" before "z-ae").
    table = budget_table({"z-ae": {"epochs": 3}, "vae": {"epochs": 4}})
    assert table.index.tolist() == ["z-ae", "vae"]
    table = budget_table({"b": {"weights": 1, "epochs": 2}, "a": {"epochs": 3, "weights": 4}})
    assert table.index.tolist() == ["b", "a"] and table.columns.tolist() == ["weights", "epochs"]
