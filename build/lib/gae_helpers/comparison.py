"""The plain autoencoder against a VAE of the same build (the AE-vs-VAE walkthrough, sections
"Two models, one budget" to "Verdict").

The post calls Gaussian Auto Embeddings "an alternative to VI" and argues that a plain
autoencoder's latent space "enjoys more freedom" than a VAE's. These helpers put the two side
by side on one run's numbers and say in words what came out.
"""

from __future__ import annotations

import pandas as pd

SAMPLERS = ("ae_class_gmms", "ae_single_gmm", "vae_prior", "vae_class_gmms", "vae_single_gmm")


def budget_table(models: dict) -> pd.DataFrame:
    """What each model was given and what it took: ``{name: {field: value}}`` to a table."""
    return pd.DataFrame.from_dict(models, orient="index").rename_axis("model")


def ratio(samples: dict, numerator: str, denominator: str,
          key: str = "frechet_distance") -> float:
    """``samples[numerator][key] / samples[denominator][key]``."""
    return samples[numerator][key] / samples[denominator][key]


def verdict(models: dict, samples: dict) -> str:
    """A closing paragraph, written from this run's numbers, on whether the post's claim held:
    that an autoencoder with ex-post class GMMs is an alternative to a VAE's prior.

    ``models`` maps "ae"/"vae" to dicts with ``accuracy_test`` and ``reconstruction_mse_test``;
    ``samples`` maps each sampler of :data:`SAMPLERS` to its judge scores.

    Examples
    --------
    >>> models = {"ae": {"accuracy_test": 0.98, "reconstruction_mse_test": 0.004},
    ...           "vae": {"accuracy_test": 0.95, "reconstruction_mse_test": 0.012}}
    >>> row = {"judge_agreement": 0.9, "judge_confidence": 0.9, "frechet_distance": 2.0}
    >>> samples = {name: dict(row) for name in SAMPLERS}
    >>> samples["vae_prior"]["frechet_distance"] = 4.0
    >>> print(verdict(models, samples).splitlines()[0])
    The claim held on this run: the autoencoder with class GMMs samples closer to the real
    test images than the VAE's N(0, I) prior (Fréchet distance 2.00 against 4.00, ratio 0.50).
    """
    fd = {name: samples[name]["frechet_distance"] for name in SAMPLERS}
    held = fd["ae_class_gmms"] < fd["vae_prior"]
    lines = [
        f"The claim {'held' if held else 'did not hold'} on this run: the autoencoder with class "
        f"GMMs samples {'closer to' if held else 'further from'} the real test images than the "
        f"VAE's N(0, I) prior (Fréchet distance {fd['ae_class_gmms']:.2f} against "
        f"{fd['vae_prior']:.2f}, ratio {fd['ae_class_gmms'] / fd['vae_prior']:.2f}).",
    ]
    gmm_helps_vae = fd["vae_class_gmms"] < fd["vae_prior"]
    lines.append(
        f"Ex-post class GMMs {'also improve' if gmm_helps_vae else 'do not improve'} the VAE's "
        f"own samples (Fréchet distance {fd['vae_class_gmms']:.2f} against "
        f"{fd['vae_prior']:.2f} from the prior), so "
        + ("much of the gain comes from the ex-post density, not from dropping the KL term."
           if gmm_helps_vae and fd["vae_class_gmms"] <= fd["ae_class_gmms"] else
           "the plain autoencoder's codes are what the class GMMs model best."
           if fd["ae_class_gmms"] < fd["vae_class_gmms"] else
           "the VAE's prior is a fair sampler for its own latent space."))
    ae, vae = models["ae"], models["vae"]
    lines.append(
        f"Classifying by class GMMs: {ae['accuracy_test']:.4f} on the autoencoder's codes, "
        f"{vae['accuracy_test']:.4f} on the VAE's means; reconstruction error "
        f"{ae['reconstruction_mse_test']:.4f} against {vae['reconstruction_mse_test']:.4f}.")
    agreement = {name: samples[name]["judge_agreement"] for name in ("ae_class_gmms",
                                                                     "vae_class_gmms")}
    lines.append(
        f"The judge recognises {agreement['ae_class_gmms']:.3f} of the autoencoder's class "
        f"samples and {agreement['vae_class_gmms']:.3f} of the VAE's as the class they were "
        f"drawn from.")
    return "\n".join(lines)
