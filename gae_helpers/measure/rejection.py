"""The reject option on images: scores through the autoencoder and the class GMMs, thresholds
set on held-out images, and how well each score tells test images from outsiders (section
"The 'none' option").

The scores themselves (likelihood, reconstruction, combined) and AUROC live in
:mod:`gae_helpers.measure.ood`; this module feeds them images through the fitted models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import validate_params

from gae_helpers.measure import ood
from gae_helpers.mixtures.outliers import QUANTILE
from gae_helpers.models.autoencoder import decode, encode

SCORES = ood.KINDS  # the scores of an image, declared once (gae_helpers.measure.ood)


@dataclass
class ImageScorer:
    """Scores images by how much they look like the training data (higher: more alike)."""

    autoencoder: torch.nn.Module
    model: object
    scorer: ood.OODScorer
    device: str = "auto"

    @classmethod
    def from_models(cls, autoencoder, model, reference_images, reference_codes=None,
                    device="auto") -> "ImageScorer":
        """Standardise the scores on ``reference_images``: in-class images that neither the
        autoencoder nor the GMMs were fitted to (the held-out split); ``reference_codes``,
        their codes where the caller has them, saves encoding them again."""
        self = cls(autoencoder, model, ood.OODScorer(), device)
        self.scorer.fit(*self.raw_scores(reference_images, codes=reference_codes))
        return self

    def raw_scores(self, images, codes=None, rebuilt=None):
        """The likelihood and reconstruction scores of ``images``; ``codes`` (their codes) and
        ``rebuilt`` (those codes decoded), where the caller has them, are not computed again."""
        if codes is None:
            codes = encode(self.autoencoder, images, device=self.device)
        if rebuilt is None:
            rebuilt = decode(self.autoencoder, codes, device=self.device)
        if len(codes) != len(images) or len(rebuilt) != len(images):
            raise ValueError(f"codes ({len(codes)}) and rebuilt ({len(rebuilt)}) must hold one "
                             f"row per image ({len(images)}), in order.")
        return (ood.likelihood_score(self.model, codes),
                ood.reconstruction_score(images, rebuilt))

    def score(self, images, kind: str = "combined") -> np.ndarray:
        """One score of ``images``: ``"likelihood"``, ``"reconstruction"`` or ``"combined"``."""
        return self.scorer.score(*self.raw_scores(images), kind=kind)


def outsider_images(test_images, other_images=None, other_name=None, n: int = 1000,
                    seed=0) -> dict:
    """Images of no class: uniform noise, inverted test images and, when given, another
    dataset's test images (``{kind: images}``)."""
    rng = np.random.default_rng(seed)
    subset = test_images[np.sort(rng.choice(len(test_images), min(n, len(test_images)),
                                            replace=False))]
    outsiders = {"uniform noise": ood.transformed_images(subset, "noise", seed=seed),
                 "inverted test images": ood.transformed_images(subset, "inverted")}
    if other_images is not None:
        outsiders[f"{other_name} images"] = other_images
    return outsiders


@dataclass
class Rejection:
    """What :func:`evaluate_rejection` measured."""

    metrics: dict
    auroc_table: pd.DataFrame
    rate_table: pd.DataFrame
    rejected_test: np.ndarray

    def best_scores(self) -> str:
        """For each kind of outsider, the score with the highest AUROC on this run, written from
        the AUROC table (section "The 'none' option"); ties at 4 decimals are named together.

        Examples
        --------
        >>> table = pd.DataFrame({"noise": [1.0, 0.99999], "other": [0.91, 0.95]},
        ...                      index=pd.Index(["likelihood", "combined"], name="score"))
        >>> print(Rejection({}, table, None, None).best_scores())
        Highest AUROC on this run: noise: likelihood and combined (1.0000); other: combined (0.9500).
        """
        parts = []
        for kind in self.auroc_table.columns:
            column = self.auroc_table[kind].round(4)
            best = column[column == column.max()].index.tolist()
            parts.append(f"{kind}: {' and '.join(best)} ({column.max():.4f})")
        return "Highest AUROC on this run: " + "; ".join(parts) + "."


@validate_params({"reject_quantile": [QUANTILE], "reject_score": [ood.KIND]},
                 prefer_skip_nested_validation=True)
def evaluate_rejection(scorer: ImageScorer, test_images, outsiders: dict, reject_score: str,
                       reject_quantile: float, test_codes=None, test_rebuilt=None) -> Rejection:
    """AUROC of every score for test images against each kind of outsider, and the reject
    rates of the option that rejects below the ``reject_quantile`` of the held-out scores
    (``test_codes`` and ``test_rebuilt``: see :meth:`ImageScorer.raw_scores`)."""
    raw_test = scorer.raw_scores(test_images, codes=test_codes, rebuilt=test_rebuilt)
    raw_out = {kind: scorer.raw_scores(images) for kind, images in outsiders.items()}
    auroc = {name: {kind: ood.auroc(scorer.scorer.score(*raw_test, kind=name),
                                    scorer.scorer.score(*raw, kind=name))
                    for kind, raw in raw_out.items()} for name in SCORES}
    threshold = scorer.scorer.threshold(reject_quantile, kind=reject_score)
    rejected_test = scorer.scorer.score(*raw_test, kind=reject_score) < threshold
    rates = {"test images": float(rejected_test.mean())}
    rates.update({kind: float(np.mean(scorer.scorer.score(*raw, kind=reject_score) < threshold))
                  for kind, raw in raw_out.items()})
    metrics = {"reject_score": reject_score, "reject_rate_target": reject_quantile,
               "reject_rate_test": rates["test images"], "ood_auroc": auroc,
               "reject_rates": rates}
    for kind, key in (("uniform noise", "reject_rate_noise"),
                      ("inverted test images", "reject_rate_inverted")):
        metrics[key] = rates[kind]
    other = [k for k in outsiders if k not in ("uniform noise", "inverted test images")]
    if other:
        metrics["reject_rate_other_dataset"] = rates[other[0]]
    # Both tables in a declared order (scores as in SCORES, inputs as given), never pandas':
    # a DataFrame built from one dict of dicts sorts its index under pandas < 2.2.
    kinds = list(outsiders)
    auroc_table = pd.DataFrame([[auroc[name][kind] for kind in kinds] for name in SCORES],
                               index=list(SCORES), columns=kinds, dtype=float)
    inputs = ["test images", *kinds]
    rate_table = pd.DataFrame({"share rejected": [rates[k] for k in inputs]},
                              index=pd.Index(inputs, name="input"))
    return Rejection(metrics, auroc_table, rate_table, rejected_test)
