"""Paths and boxes in the latent space (sections "Manifold evidence" and "Transitioning
classes")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from gae_helpers.models.autoencoder import decode
from gae_helpers.mixtures.threads import one_thread


def interpolate(start, end, steps: int = 10) -> np.ndarray:
    """Points on the straight line from ``start`` to ``end``, both included.

    Examples
    --------
    >>> interpolate([0, 0], [1, 2], steps=3).tolist()
    [[0.0, 0.0], [0.5, 1.0], [1.0, 2.0]]
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (start and end), got {steps}.")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    start, end = np.asarray(start, float).ravel(), np.asarray(end, float).ravel()
    return (1 - t) * start + t * end


def uniform_box_samples(codes, n_samples: int, random_state=None) -> np.ndarray:
    """Uniform draws from the bounding box of ``codes``."""
    codes = np.asarray(codes, float)
    rng = check_random_state(random_state)
    return rng.uniform(codes.min(axis=0), codes.max(axis=0), size=(n_samples, codes.shape[1]))


@one_thread
def uniform_box_evidence(model, train_codes, test_codes, n_samples: int = 1000,
                         seed=0) -> dict:
    """How the class GMMs score uniform draws from the codes' box against real test codes.

    Returns ``loglik_median_test``, ``loglik_median_uniform_box`` and
    ``uniform_box_above_test_1pct`` (the share of uniform draws more likely than the least
    likely 1% of test codes).
    """
    loglik_test = model.score_samples(test_codes)
    loglik_box = model.score_samples(uniform_box_samples(train_codes, n_samples, seed))
    return {"loglik_median_test": float(np.median(loglik_test)),
            "loglik_median_uniform_box": float(np.median(loglik_box)),
            "uniform_box_above_test_1pct": float(np.mean(loglik_box
                                                         > np.quantile(loglik_test, 0.01)))}


@dataclass
class Morphs:
    """Decoded straight-line paths between classes, and the class predicted at each step."""

    images: list
    labels: list
    predicted: list

    def where_none(self) -> str:
        """Where "none" appears on each path, written from this run's predictions (section
        "Transitioning classes"): the steps it covers, or that it did not appear.

        Examples
        --------
        >>> Morphs([], ["1 -> 7", "4 -> 9"], ["1 none none 7", "4 4 9 9"]).where_none()
        '"none" appears on 1 of 2 paths: 1 -> 7 at steps 2-3 of 4; 4 -> 9 has no "none".'
        """
        parts, hits = [], 0
        for label, path in zip(self.labels, self.predicted):
            steps = [i + 1 for i, name in enumerate(path.split(" ")) if name == "none"]
            if steps:
                hits += 1
                span = f"{steps[0]}-{steps[-1]}" if len(steps) > 1 else f"{steps[0]}"
                gaps = "" if steps[-1] - steps[0] + 1 == len(steps) else \
                    f" ({len(steps)} steps)"
                parts.append(f"{label} at step{'s' if len(steps) > 1 else ''} {span}{gaps} of "
                             f"{len(path.split(' '))}")
            else:
                parts.append(f"{label} has no \"none\"")
        return f'"none" appears on {hits} of {len(self.labels)} paths: ' + "; ".join(parts) + "."


def morph_strips(autoencoder, model, pairs, steps: int, class_names, none=None, seed=0,
                 device="auto") -> Morphs:
    """For each ``(start class, end class)``: a code drawn from each class's GMM of ``model`` (a
    fitted :class:`~gae_helpers.mixtures.classifier.GMMClassifier`), the straight path between
    them decoded, and the class each step is given: by ``none`` (a fitted
    :class:`~gae_helpers.mixtures.outliers.ClassOutlierDetector` over ``model``, which may say
    "none") or, without it, by ``model``."""
    images, labels, predicted = [], [], []
    for start_class, end_class in pairs:
        start, _ = model.sample(1, start_class, random_state=seed)
        end, _ = model.sample(1, end_class, random_state=seed)
        path = interpolate(start, end, steps=steps)
        images.append(decode(autoencoder, path, device=device))
        labels.append(f"{class_names[start_class]} -> {class_names[end_class]}")
        names = np.asarray(class_names)[np.searchsorted(model.classes_, model.predict(path))]
        if none is not None:
            names = np.where(none.predict(path) == -1, "none", names)
        predicted.append(" ".join(names.tolist()))
    return Morphs(images, labels, predicted)
