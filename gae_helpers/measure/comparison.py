"""The plain autoencoder against a VAE of the same build (the AE-vs-VAE notebook, sections
"Two models, one budget" to "Verdict").

The post calls Gaussian Auto Embeddings "an alternative to VI" and argues that a plain
autoencoder's latent space "enjoys more freedom" than a VAE's. These helpers put the two side
by side on one run's numbers, treating both alike: each model's codes are standardised
(:class:`sklearn.preprocessing.StandardScaler`, fitted on its own training codes) before any
GMM sees them, so ``reg_covar`` is the same share of each model's code variance. The verdict
leads with the label-free pair, names a difference only beyond twice its standard error over paired draws, and splits the gap
between the VAE's prior and the autoencoder's class GMMs into its two factors.
"""

from __future__ import annotations

import pandas as pd

from gae_helpers.measure.sample_quality import paired_difference

SAMPLERS = ("ae_class_gmms", "ae_single_gmm", "vae_prior", "vae_class_gmms", "vae_single_gmm")


def budget_table(models: dict) -> pd.DataFrame:
    """What each model was given and what it took: ``{name: {field: value}}`` to a table."""
    # Models and fields in the order given: pandas 2.1 sorts the rows of one-field models.
    fields = list(dict.fromkeys(field for row in models.values() for field in row))
    return pd.DataFrame.from_dict(models, orient="index").reindex(
        index=list(models), columns=fields).rename_axis("model")


def _pair(samples, a, b, what_a, what_b):
    d = paired_difference(samples, a, b)
    fa, fb = samples[a]["frechet_distance"], samples[b]["frechet_distance"]
    numbers = (f"Fréchet distance {fa:.2f} ± {samples[a]['frechet_sd']:.2f} against "
               f"{fb:.2f} ± {samples[b]['frechet_sd']:.2f}")
    if not d["resolved"]:
        return (f"{what_a} and {what_b} cannot be told apart on this run ({numbers}; the "
                f"difference {abs(d['gap']):.2f} ± {d['se']:.2f}, paired over the draws, is within "
                f"twice its standard error)."
                ), None
    better = what_a if d["gap"] > 0 else what_b
    return (f"{better[0].upper() + better[1:]} samples closer to the real test images ({numbers};"
            f" the difference {abs(d['gap']):.2f} ± {d['se']:.2f}, paired over the draws, exceeds "
            f"twice its standard error)."
            ), d["gap"] > 0


def gap_shares(samples: dict) -> dict:
    """The gap between the VAE's prior and the autoencoder's class GMMs, in two factors.

    ``density``: what ex-post class GMMs gain over the prior on the VAE's own codes
    (``fd[vae_prior] - fd[vae_class_gmms]``); ``codes``: what the autoencoder's codes gain
    over the VAE's under the same class GMMs (``fd[vae_class_gmms] - fd[ae_class_gmms]``).
    Shares of the total; ``None`` where the total is not positive.

    Examples
    --------
    >>> rows = {"vae_prior": {"frechet_distance": 20.0}, "vae_class_gmms": {"frechet_distance": 12.0},
    ...         "ae_class_gmms": {"frechet_distance": 10.0}}
    >>> gap_shares(rows)
    {'total': 10.0, 'density': 8.0, 'codes': 2.0, 'density_share': 0.8, 'codes_share': 0.2}
    """
    fd = {name: samples[name]["frechet_distance"] for name in
          ("vae_prior", "vae_class_gmms", "ae_class_gmms")}
    total = fd["vae_prior"] - fd["ae_class_gmms"]
    density = fd["vae_prior"] - fd["vae_class_gmms"]
    codes = fd["vae_class_gmms"] - fd["ae_class_gmms"]
    shares = {"density_share": density / total, "codes_share": codes / total} if total > 0 \
        else {"density_share": None, "codes_share": None}
    return {"total": total, "density": density, "codes": codes, **shares}


def verdict(models: dict, samples: dict) -> str:
    """A closing paragraph, written from this run's numbers, on whether the post's claim held:
    that an autoencoder with ex-post GMMs is an alternative to a VAE's prior.

    ``models`` maps "ae"/"vae" to dicts with ``accuracy_test`` and ``reconstruction_mse_test``;
    ``samples`` maps each sampler of :data:`SAMPLERS` to its scores with their standard deviations
    (:func:`gae_helpers.measure.sample_quality.score_samplers`).

    Examples
    --------
    >>> models = {"ae": {"accuracy_test": 0.98, "reconstruction_mse_test": 0.004},
    ...           "vae": {"accuracy_test": 0.95, "reconstruction_mse_test": 0.012}}
    >>> row = {"judge_agreement": 0.9, "frechet_distance": 2.0, "frechet_sd": 0.1,
    ...        "frechet_draws": [1.9, 2.0, 2.1]}
    >>> samples = {name: dict(row) for name in SAMPLERS}
    >>> samples["vae_prior"].update(frechet_distance=4.0, frechet_draws=[3.8, 4.0, 4.2])
    >>> print(verdict(models, samples).splitlines()[0])
    Without labels, the claim held on this run: the autoencoder with one GMM samples closer to the real test images (Fréchet distance 2.00 ± 0.10 against 4.00 ± 0.10; the difference 2.00 ± 0.06, paired over the draws, exceeds twice its standard error).
    """
    lines = []
    text, ae_better = _pair(samples, "ae_single_gmm", "vae_prior",
                            "the autoencoder with one GMM", "the VAE's N(0, I) prior")
    outcome = ("the claim held on this run: " if ae_better else
               "the claim did not hold on this run: " if ae_better is False else
               "the claim is undecided on this run: ")
    lines.append("Without labels, " + outcome + text[0].lower() + text[1:])
    text, _ = _pair(samples, "ae_class_gmms", "vae_class_gmms",
                    "the autoencoder with class GMMs", "the VAE with class GMMs")
    lines.append("With labels for the GMMs: " + text[0].lower() + text[1:])
    shares = gap_shares(samples)
    if shares["density_share"] is not None:
        lines.append(
            f"Of the gap between the VAE's prior and the autoencoder's class GMMs "
            f"({shares['total']:.2f}), {shares['density_share']:.0%} comes from fitting class "
            f"GMMs after training instead of sampling the prior, and "
            f"{shares['codes_share']:.0%} from the autoencoder's codes.")
    ae, vae = models["ae"], models["vae"]
    lines.append(
        f"Classifying by class GMMs: {ae['accuracy_test']:.4f} on the autoencoder's codes, "
        f"{vae['accuracy_test']:.4f} on the VAE's means; reconstruction error "
        f"{ae['reconstruction_mse_test']:.4f} against {vae['reconstruction_mse_test']:.4f}.")
    lines.append(
        f"The judge recognises {samples['ae_class_gmms']['judge_agreement']:.3f} of the "
        f"autoencoder's class samples and {samples['vae_class_gmms']['judge_agreement']:.3f} of "
        f"the VAE's as the class they were drawn from.")
    return "\n".join(lines)
