"""Telling in-distribution images from others (section "Out of distribution").

Every score here is *higher for more in-distribution*: the class-GMM log-likelihood of the
class an image would be assigned (:func:`likelihood_score`), minus the autoencoder's
reconstruction error (:func:`reconstruction_score`), and their sum after standardising each
on held-out in-distribution images (:class:`OODScorer`). :func:`auroc` measures how well a
score ranks in-distribution images above out-of-distribution ones.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

from gae_helpers.mixtures.outliers import QUANTILE

# The scores of an image, in the order tables print them; KIND checks a name against them (the
# notebooks' reject_score, evaluate_rejection, OODScorer).
KINDS = ("likelihood", "reconstruction", "combined")
KIND = StrOptions(set(KINDS))
TRANSFORMS = ("inverted", "rotated", "noise")


def likelihood_score(class_gmm, codes) -> np.ndarray:
    """``max_k log p(z | k) + log p(k)``: the class-GMM joint log-likelihood of the class each
    code would be assigned.

    Section "Out of distribution".

    Parameters
    ----------
    class_gmm : gae_helpers.mixtures.classifier.GMMClassifier
        Fitted.
    codes : array of shape (n_samples, latent_dim)

    Returns
    -------
    array of float64, shape (n_samples,)
    """
    joint = class_gmm.class_log_likelihood(codes) + np.log(class_gmm.class_prior_)
    return joint.max(axis=1)


def reconstruction_score(images, reconstructions) -> np.ndarray:
    """Minus each image's mean squared reconstruction error (section "Out of distribution").

    Examples
    --------
    >>> x = torch.zeros(2, 1, 2, 2)
    >>> r = torch.tensor([[[[0.2, 0.0], [0.0, 0.0]]], [[[1.0, 1.0], [0.0, 0.0]]]])
    >>> [round(float(s), 3) for s in reconstruction_score(x, r)]  # -(0.04 / 4), -(2 / 4)
    [-0.01, -0.5]
    """
    x, r = (np.asarray(a.detach().cpu() if torch.is_tensor(a) else a, dtype=np.float64)
            for a in (images, reconstructions))
    if x.shape != r.shape or x.ndim < 2:
        raise ValueError(f"images and reconstructions must have the same shape (n, ...), got "
                         f"{x.shape} and {r.shape}.")
    return -np.mean((x - r) ** 2, axis=tuple(range(1, x.ndim)))


def _check_scores(scores, name):
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or len(scores) == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array of scores, got shape "
                         f"{scores.shape}.")
    if np.isnan(scores).any():
        raise ValueError(f"{name} contains NaN.")
    return scores


def _check_kind(kind):
    validate_parameter_constraints({"kind": [KIND]}, {"kind": kind}, "OODScorer")
    return kind


class OODScorer:
    """Likelihood and reconstruction scores standardised on in-distribution reference images.

    Section "Out of distribution". :meth:`fit` stores each score's mean and standard
    deviation on held-out in-distribution images (e.g. the validation split); :meth:`score`
    standardises new scores with them, and ``"combined"`` sums the two. :meth:`threshold`
    gives the cut below which a chosen share of in-distribution images falls.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> scorer = OODScorer().fit(rng.normal(10, 2, 1000), rng.normal(-1, 0.1, 1000))
    >>> s = scorer.score(np.array([10.0, 0.0]), np.array([-1.0, -2.0]))
    >>> bool(s[0] > scorer.threshold(0.05) > s[1])
    True
    """

    def fit(self, lik_ref, rec_ref) -> "OODScorer":
        """Store mean and standard deviation of reference likelihood and reconstruction scores
        (same images, same order); returns self."""
        lik = _check_scores(lik_ref, "lik_ref")
        rec = _check_scores(rec_ref, "rec_ref")
        if len(lik) != len(rec) or len(lik) < 2:
            raise ValueError(f"lik_ref and rec_ref must score the same images, at least 2, got "
                             f"{len(lik)} and {len(rec)}.")
        if not (np.isfinite(lik).all() and np.isfinite(rec).all()):
            raise ValueError("Reference scores must be finite: drop the images whose "
                             "likelihood is -inf from the reference set.")
        self.mean_ = {"likelihood": lik.mean(), "reconstruction": rec.mean()}
        self.std_ = {"likelihood": lik.std(), "reconstruction": rec.std()}
        for name, std in self.std_.items():
            if not std > 0:
                raise ValueError(f"The reference {name} scores are all equal; standardising "
                                 f"needs varied in-distribution images.")
        self.reference_ = {kind: self.score(lik, rec, kind) for kind in KINDS}
        return self

    def _standard(self, scores, name):
        return (_check_scores(scores, name) - self.mean_[name]) / self.std_[name]

    def score(self, lik=None, rec=None, kind: str = "combined") -> np.ndarray:
        """Standardised scores, higher for more in-distribution.

        Parameters
        ----------
        lik, rec : arrays of float, optional
            Likelihood and reconstruction scores of the same images; only the one ``kind``
            needs may be given.
        kind : {"combined", "likelihood", "reconstruction"}
        """
        if not hasattr(self, "mean_"):
            raise ValueError("This OODScorer is not fitted: call fit(lik_ref, rec_ref) first.")
        _check_kind(kind)
        needed = {"combined": ("lik", "rec"), "likelihood": ("lik",),
                  "reconstruction": ("rec",)}[kind]
        given = {"lik": lik, "rec": rec}
        missing = [n for n in needed if given[n] is None]
        if missing:
            raise ValueError(f"kind={kind!r} needs {' and '.join(missing)}.")
        if kind == "likelihood":
            return self._standard(lik, "likelihood")
        if kind == "reconstruction":
            return self._standard(rec, "reconstruction")
        lik_z, rec_z = self._standard(lik, "likelihood"), self._standard(rec, "reconstruction")
        if lik_z.shape != rec_z.shape:
            raise ValueError(f"lik and rec must score the same images, got {len(lik_z)} and "
                             f"{len(rec_z)} scores.")
        return lik_z + rec_z

    def threshold(self, q: float, kind: str = "combined") -> float:
        """The ``q``-quantile of the reference scores of ``kind``: rejecting scores below it
        rejects about a share ``q`` of unseen in-distribution images."""
        if not hasattr(self, "reference_"):
            raise ValueError("This OODScorer is not fitted: call fit(lik_ref, rec_ref) first.")
        validate_parameter_constraints({"q": [QUANTILE]}, {"q": q}, "OODScorer.threshold")
        return float(np.quantile(self.reference_[_check_kind(kind)], q))


def auroc(scores_in, scores_out) -> float:
    """Area under the ROC curve of telling in-distribution (positive) from OOD images.

    Section "Out of distribution". 1 when every in-distribution score is above every OOD
    score, 0.5 for a score that cannot tell them apart. Infinite scores (e.g. a likelihood
    of -inf) keep their rank.

    Examples
    --------
    >>> round(auroc([3.0, 4.0], [1.0, 2.0]), 3), round(auroc([1.0, 3.0], [2.0, 4.0]), 3)
    (1.0, 0.25)
    """
    s_in, s_out = _check_scores(scores_in, "scores_in"), _check_scores(scores_out, "scores_out")
    scores = np.concatenate([s_in, s_out])
    finite = scores[np.isfinite(scores)]
    low, high = (finite.min() - 1, finite.max() + 1) if len(finite) else (-1.0, 1.0)
    scores = np.nan_to_num(scores, neginf=low, posinf=high)
    truth = np.concatenate([np.ones(len(s_in)), np.zeros(len(s_out))])
    return float(roc_auc_score(truth, scores))


def ood_auroc_table(scores: dict) -> dict:
    """AUROC of each score against each kind of OOD images (section "Out of distribution").

    Parameters
    ----------
    scores : dict
        ``{score_name: (in_scores, {ood_name: out_scores})}``.

    Returns
    -------
    dict
        ``{score_name: {ood_name: auroc}}``.

    Examples
    --------
    >>> table = ood_auroc_table({"likelihood": ([3.0, 4.0], {"noise": [1.0, 2.0]})})
    >>> table
    {'likelihood': {'noise': 1.0}}
    """
    table = {}
    for name, entry in scores.items():
        try:
            scores_in, outs = entry
        except (TypeError, ValueError) as exc:
            raise ValueError(f"scores[{name!r}] must be a pair (in_scores, {{ood_name: "
                             f"out_scores}}).") from exc
        table[name] = {ood: auroc(scores_in, out) for ood, out in outs.items()}
    return table


def transformed_images(images, kind: str, seed: int = 0) -> torch.Tensor:
    """Out-of-distribution images made from in-distribution ones (section "Out of
    distribution").

    Parameters
    ----------
    images : torch.Tensor
        Images in [0, 1], shape ``(n, channels, height, width)``.
    kind : {"inverted", "rotated", "noise"}
        ``inverted``: ``1 - x``; ``rotated``: turned 90 degrees counter-clockwise (square images
        only); ``noise``: uniform noise images of the same shape, seeded by ``seed``.
    seed : int
        Used by ``noise`` only.

    Examples
    --------
    >>> x = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> transformed_images(x, "rotated")[0, 0].tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    images = torch.as_tensor(images, dtype=torch.float32)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (n, channels, height, width), got "
                         f"{tuple(images.shape)}.")
    if kind == "inverted":
        return 1.0 - images
    if kind == "rotated":
        if images.shape[-1] != images.shape[-2]:
            raise ValueError(f"rotated needs square images, got {tuple(images.shape[-2:])}.")
        return torch.rot90(images, 1, dims=(-2, -1)).contiguous()
    if kind == "noise":
        generator = torch.Generator().manual_seed(int(seed))
        return torch.rand(images.shape, generator=generator)
    raise ValueError(f"Unknown kind {kind!r}: choose one of {', '.join(TRANSFORMS)}.")
