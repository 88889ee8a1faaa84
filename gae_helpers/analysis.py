"""Measurements on the fitted model (sections "Manifold evidence", "Transitioning classes",
"Class similarity", "Predicting data").

Entropy and KL divergence of Gaussian mixtures have no closed form, so they are
estimated by Monte Carlo with a seed and a sample count; each estimate comes
with its standard error.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from .mixture import sample_gmm


def gmm_entropy(gmm, n_samples: int = 10_000, random_state=None):
    """Differential entropy H(p) = -E_p[log p(x)] of a fitted GaussianMixture, in nats.

    Returns
    -------
    entropy, standard_error : float
    """
    log_p = gmm.score_samples(sample_gmm(gmm, n_samples, random_state))
    return float(-log_p.mean()), float(log_p.std(ddof=1) / np.sqrt(n_samples))


def class_entropies(model, n_samples: int = 10_000, random_state=None):
    """Entropy of each class's mixture of a fitted ClassGaussianMixture (section "Class
    similarity"): arrays ``(entropy, standard_error)`` in the order of ``classes_``."""
    rng = check_random_state(random_state)
    pairs = [gmm_entropy(g, n_samples, rng) for g in model.gmms_]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def kl_divergence_matrix(gmms, n_samples: int = 10_000, random_state=None):
    """Pairwise KL(p_i || p_j) = E_{p_i}[log p_i(x) - log p_j(x)] by Monte Carlo, in nats.

    Section "Class similarity". Row ``i`` uses ``n_samples`` draws from
    ``gmms[i]``; the diagonal is exactly 0.

    Returns
    -------
    kl, standard_error : ndarray of shape (n, n)
    """
    rng = check_random_state(random_state)
    n = len(gmms)
    kl, se = np.zeros((n, n)), np.zeros((n, n))
    for i, p in enumerate(gmms):
        x = sample_gmm(p, n_samples, rng)
        log_p = p.score_samples(x)
        for j, q in enumerate(gmms):
            if i != j:
                diff = log_p - q.score_samples(x)
                kl[i, j] = diff.mean()
                se[i, j] = diff.std(ddof=1) / np.sqrt(n_samples)
    return kl, se


def ranked_pairs(kl, class_names):
    """Class pairs from most to least similar by symmetric KL, (KL_ij + KL_ji) / 2.

    Returns a list of ``(name_i, name_j, symmetric_kl)``.
    """
    sym = (np.asarray(kl) + np.asarray(kl).T) / 2
    i, j = np.triu_indices(len(sym), k=1)
    order = np.argsort(sym[i, j], kind="stable")
    return [(class_names[i[o]], class_names[j[o]], float(sym[i[o], j[o]])) for o in order]


def interpolate(start, end, steps: int = 10) -> np.ndarray:
    """Points on the straight line from ``start`` to ``end``, both included (section
    "Transitioning classes")."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (start and end), got {steps}.")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    start, end = np.asarray(start, float).ravel(), np.asarray(end, float).ravel()
    return (1 - t) * start + t * end


def uniform_box_samples(codes, n_samples: int, random_state=None) -> np.ndarray:
    """Uniform draws from the bounding box of ``codes`` (section "Manifold evidence")."""
    codes = np.asarray(codes, float)
    rng = check_random_state(random_state)
    return rng.uniform(codes.min(axis=0), codes.max(axis=0), size=(n_samples, codes.shape[1]))


def reconstruction_error(images, reconstructions) -> float:
    """Mean squared error per pixel between images and their reconstructions."""
    images, reconstructions = np.asarray(images, float), np.asarray(reconstructions, float)
    return float(np.mean((images - reconstructions) ** 2))


def most_confident_errors(proba, y_true, classes, n: int = 8) -> np.ndarray:
    """Indices of the ``n`` wrong predictions with the highest probability (section
    "Predicting data")."""
    proba, y_true = np.asarray(proba), np.asarray(y_true)
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    wrong = np.flatnonzero(predicted != y_true)
    return wrong[np.argsort(-proba[wrong].max(axis=1), kind="stable")][:n]


def roundtrip_proba(autoencoder, classifier, codes) -> np.ndarray:
    """Class probabilities of codes after decoding them to images and encoding again
    (section "One GMM for all classes"): how recognisable a decoded sample is."""
    from .autoencoder import decode, encode

    return classifier.predict_proba(encode(autoencoder, decode(autoencoder, codes)))


def per_class_accuracy(y_true, y_pred, classes) -> np.ndarray:
    """Share of each class's images predicted correctly (section "What doesn't work well")."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.array([np.mean(y_pred[y_true == c] == c) for c in classes])


def top_confusions(y_true, y_pred, classes, n: int = 3):
    """The ``n`` most frequent mistakes as ``(true class, predicted class, count)``."""
    from sklearn.metrics import confusion_matrix

    counts = confusion_matrix(y_true, y_pred, labels=classes)
    np.fill_diagonal(counts, 0)
    order = np.argsort(-counts, axis=None, kind="stable")[:n]
    return [(classes[i], classes[j], int(counts[i, j]))
            for i, j in zip(*np.unravel_index(order, counts.shape))]
