"""Fréchet distance between sets of images in the judge's feature space (section "Fréchet
distance").

The FID formula, ``||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``, with the
penultimate layer of :mod:`gae_helpers.models.judge` in place of Inception's: Inception was trained
on colour photographs and knows nothing of 28x28 digits. The arithmetic is torchmetrics'
:class:`~torchmetrics.image.fid.FrechetInceptionDistance` (float64 sums, eigenvalues of
``S_a S_b``), given a pass-through feature module so that it takes feature vectors: it needs
no torch-fidelity with a custom module, and the judge's features are computed in batches by
:func:`gae_helpers.models.judge.features`. Lower is closer; 0 for identical sets.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from gae_helpers.models import judge as judge_module


class _PassThrough(nn.Module):
    """The identity, with the ``num_features`` torchmetrics asks of a custom extractor."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = int(num_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _check_features(features, name):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"{name} must be an array (n_samples, n_features) with n_samples >= 2, "
                         f"got shape {features.shape}.")
    if not np.all(np.isfinite(features)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return features


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors.

    Section "Fréchet distance".

    Parameters
    ----------
    features_a, features_b : array of shape (n_samples, n_features)
        At least two samples each, the same number of features.

    Returns
    -------
    float
        ``||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``, >= 0 up to rounding.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(0.0, 1.0, size=(20000, 2))
    >>> round(frechet_distance(a, a + 3.0), 3)  # ||(3, 3)||^2
    18.0
    """
    a = _check_features(features_a, "features_a")
    b = _check_features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"features_a has {a.shape[1]} features and features_b {b.shape[1]}: "
                         f"compute both with the same extractor.")
    metric = FrechetInceptionDistance(feature=_PassThrough(a.shape[1]))
    metric.update(torch.from_numpy(a), real=True)
    metric.update(torch.from_numpy(b), real=False)
    return float(metric.compute())


def judge_frechet_distance(judge_model, images_a, images_b, device="auto") -> float:
    """Fréchet distance between two sets of images in the judge's feature space.

    Section "Fréchet distance": e.g. decoded samples against test images.

    Parameters
    ----------
    judge_model : gae_helpers.models.judge.Judge
    images_a, images_b : torch.Tensor
        Images in [0, 1] of the judge's ``image_shape``, at least two each.
    """
    return frechet_distance(judge_module.features(judge_model, images_a, device=device),
                            judge_module.features(judge_model, images_b, device=device))


def per_class_frechet(judge_model, images, labels, reference_images,
                      reference_labels, device="auto") -> dict:
    """Fréchet distance per class between images and reference images of that class.

    Section "Fréchet distance": how far each class's samples are from its real images.

    Parameters
    ----------
    judge_model : gae_helpers.models.judge.Judge
    images, labels
        E.g. decoded samples and the class each was drawn from.
    reference_images, reference_labels
        E.g. test images and their labels.

    Returns
    -------
    dict of int to float
        One entry per class present in either set; each class needs at least two images in
        both sets.
    """
    feats = judge_module.features(judge_model, images, device=device)
    ref = judge_module.features(judge_model, reference_images, device=device)
    labels, reference_labels = np.asarray(labels), np.asarray(reference_labels)
    for name, lab, f in (("labels", labels, feats), ("reference_labels", reference_labels, ref)):
        if lab.shape != (len(f),):
            raise ValueError(f"{name} must hold one class per image ({len(f)}), got shape "
                             f"{lab.shape}.")
    out = {}
    for k in np.union1d(labels, reference_labels):
        n, n_ref = int(np.sum(labels == k)), int(np.sum(reference_labels == k))
        if min(n, n_ref) < 2:
            raise ValueError(f"Class {k} has {n} images and {n_ref} reference images; each class "
                             f"needs at least 2 of both. Draw more samples per class.")
        out[int(k)] = frechet_distance(feats[labels == k], ref[reference_labels == k])
    return out
