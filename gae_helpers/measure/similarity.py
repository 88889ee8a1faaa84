"""Entropy and KL divergence of the class GMMs (section "Class similarity").

Neither has a closed form for Gaussian mixtures, so both are Monte Carlo estimates with a seed
and a sample count; every estimate comes with its standard error, and the ranking of class
pairs says which of them this run cannot tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from gae_helpers.mixtures.classifier import sample_gmm
from gae_helpers.mixtures.threads import one_thread


@one_thread
def gmm_entropy(gmm, n_samples: int = 10_000, random_state=None):
    """Differential entropy H(p) = -E_p[log p(x)] of a fitted GaussianMixture, in nats.

    Returns
    -------
    entropy, standard_error : float
    """
    log_p = gmm.score_samples(sample_gmm(gmm, n_samples, random_state))
    return float(-log_p.mean()), float(log_p.std(ddof=1) / np.sqrt(n_samples))


def class_entropies(model, n_samples: int = 10_000, random_state=None):
    """Entropy of each class's mixture of a fitted GMMClassifier: arrays
    ``(entropy, standard_error)`` in the order of ``classes_``."""
    rng = check_random_state(random_state)
    pairs = [gmm_entropy(g, n_samples, rng) for g in model.gmms_]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@one_thread
def kl_divergence_matrix(gmms, n_samples: int = 10_000, random_state=None):
    """Pairwise KL(p_i || p_j) = E_{p_i}[log p_i(x) - log p_j(x)] by Monte Carlo, in nats.

    Row ``i`` uses ``n_samples`` draws from ``gmms[i]``; the diagonal is exactly 0.

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


def ranked_pairs(kl, class_names, kl_se=None):
    """Class pairs from most to least similar by symmetric KL, (KL_ij + KL_ji) / 2.

    Returns a list of ``(name_i, name_j, symmetric_kl, standard_error)``; the standard error
    is that of the mean of two independent estimates (0 when ``kl_se`` is not given).

    Examples
    --------
    >>> kl = np.array([[0, 1, 9], [3, 0, 5], [9, 5, 0]], float)
    >>> [(a, b, float(d)) for a, b, d, _ in ranked_pairs(kl, ["a", "b", "c"])]
    [('a', 'b', 2.0), ('b', 'c', 5.0), ('a', 'c', 9.0)]
    """
    kl = np.asarray(kl)
    se = np.zeros_like(kl) if kl_se is None else np.asarray(kl_se)
    sym = (kl + kl.T) / 2
    sym_se = np.sqrt(se ** 2 + se.T ** 2) / 2
    i, j = np.triu_indices(len(sym), k=1)
    order = np.argsort(sym[i, j], kind="stable")
    return [(class_names[i[o]], class_names[j[o]], float(sym[i[o], j[o]]),
             float(sym_se[i[o], j[o]])) for o in order]


def tied_with(pairs, index: int = 0, z: float = 2.0) -> list:
    """The pairs whose symmetric KL lies within ``z`` combined standard errors of
    ``pairs[index]``'s: those this run cannot rank against it."""
    _, _, d0, s0 = pairs[index]
    return [p for k, p in enumerate(pairs)
            if k != index and abs(p[2] - d0) <= z * np.hypot(p[3], s0)]


@dataclass
class ClassSimilarity:
    """What :func:`class_similarity` measured."""

    entropy: np.ndarray
    entropy_se: np.ndarray
    kl: np.ndarray
    kl_se: np.ndarray
    pairs: list
    class_names: tuple

    @property
    def entropy_table(self) -> pd.DataFrame:
        """Entropy and its standard error per class."""
        return pd.DataFrame({"entropy (nats)": self.entropy, "standard error": self.entropy_se},
                            index=pd.Index(self.class_names, name="class"))

    @property
    def metrics(self) -> dict:
        """The numbers for metrics.json."""
        first, last = self.pairs[0], self.pairs[-1]
        return {
            "entropy": dict(zip(self.class_names, np.round(self.entropy, 3))),
            "entropy_se": dict(zip(self.class_names, np.round(self.entropy_se, 3))),
            "most_similar_pair": list(first[:2]),
            "most_similar_pair_ties": [list(p[:2]) for p in tied_with(self.pairs, 0)],
            "least_similar_pair": list(last[:2]),
            "symmetric_kl": {f"{a} & {b}": {"kl": round(d, 3), "se": round(s, 3)}
                             for a, b, d, s in self.pairs},
        }

    @property
    def summary(self) -> str:
        """The ranking in words, with what this run cannot tell apart."""
        def fmt(p):
            return f"{p[0]} & {p[1]} {p[2]:.2f} +/- {p[3]:.2f}"

        lines = ["most similar pairs (symmetric KL, nats): " + "; ".join(map(fmt, self.pairs[:3])),
                 "least similar pairs: " + "; ".join(map(fmt, self.pairs[-3:]))]
        for index, word in ((0, "most"), (len(self.pairs) - 1, "least")):
            ties = tied_with(self.pairs, index)
            head = f"{self.pairs[index][0]} & {self.pairs[index][1]}"
            lines.append(
                f"{head} is the {word} similar pair beyond 2 standard errors" if not ties else
                f"{head} is not distinguishable at 2 standard errors from: "
                + "; ".join(f"{p[0]} & {p[1]}" for p in ties))
        return "\n".join(lines)


def class_similarity(model, class_names, n_samples: int = 5000, seed=0) -> ClassSimilarity:
    """Entropies, the KL matrix and the ranked pairs of a fitted GMMClassifier."""
    rng = check_random_state(seed)
    entropy, entropy_se = class_entropies(model, n_samples, rng)
    kl, kl_se = kl_divergence_matrix(model.gmms_, n_samples, rng)
    return ClassSimilarity(entropy, entropy_se, kl, kl_se, ranked_pairs(kl, class_names, kl_se),
                           tuple(class_names))
