"""Scores of generated images by the independent judge, at equal sample sizes with a standard deviation
(sections "One GMM for all classes, judged independently" and, in the AE-vs-VAE notebook,
"Samples side by side").

The Fréchet distance of two sets of ``n`` images is biased upwards, more so the smaller ``n``,
so only distances of equal ``n`` compare, and only against a baseline at that ``n``. Each of
``draws`` rounds splits the real images anew into a **reference half** and a **held half**,
draws ``n`` fresh images from every sampler and ``n`` images of each half, and scores:

* every sampler's images against the reference draw;
* ``real images``: ``n`` held real images against the reference draw, the floor any sampler
  could reach at this ``n`` (two samples of the same distribution);
* ``reconstructions``: the autoencoder's rebuilds of those ``n`` held images, the floor of any
  sampler that decodes through it (no reconstruction of a reference image is scored).

Each row reports the mean and the standard deviation over the rounds; differences within about
two standard deviations are noise at this ``n`` (:func:`compare` says so in words).
"""

from __future__ import annotations


from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from gae_helpers.measure import frechet
from gae_helpers.models import judge

# Rounds of fresh sets per row: two at least, for a standard deviation (the notebooks' n_draws).
DRAWS = Interval(Integral, 2, None, closed="left")

REAL = "real images"
RECONSTRUCTIONS = "reconstructions"


def split_real(n_images: int, seed=0):
    """Indices of the reference half and the held half of ``n_images`` real images, in random
    order (``seed``: an int or a sequence of ints)."""
    order = np.random.default_rng([*np.atleast_1d(seed).tolist(), 7]).permutation(n_images)
    return order[: n_images // 2], order[n_images // 2:]


def score_samplers(judge_model, samplers: dict, real_images, n: int, draws: int = 5,
                   seed: int = 0, reconstructions=None, real_features=None,
                   device="auto") -> dict:
    """``{row: {"n", "frechet_distance", "frechet_sd", "judge_agreement", "judge_confidence"}}``.

    Parameters
    ----------
    judge_model : gae_helpers.models.judge.Judge
    samplers : dict
        ``{name: draw}`` with ``draw(n, seed) -> gae_helpers.measure.sampling.Generated``
        (see :func:`gae_helpers.measure.sampling.decoding`).
    real_images : torch.Tensor
        Real images (the test images), split into the reference and the held half.
    n : int
        Images per set; at most half the real images (it is lowered to that, and the rows
        say which ``n`` they used).
    draws : int
        Rounds, at least 2, for the standard deviation.
    reconstructions : dict, optional
        ``{row: rebuilt}``: a model's rebuilds of ``real_images`` (same order), computed once
        by the caller; each draw scores the rebuilds of its held half (e.g.
        ``{"reconstructions": decode(autoencoder, test_codes)}``).
    real_features : array, optional
        The judge's features of ``real_images`` where the caller has them already (e.g. from
        :func:`gae_helpers.models.judge.features_and_verdict`, which also gives the judge's
        accuracy): the real images are then not judged again.

    Examples
    --------
    >>> from gae_helpers.models.judge import JudgeConfig
    >>> from gae_helpers.measure.sampling import Generated
    >>> judge_model = JudgeConfig(image_shape=(1, 8, 8), n_classes=3).build(seed=0)
    >>> import torch
    >>> real = torch.rand(200, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> noise = {"noise": lambda n, s: Generated(torch.rand(n, 1, 8, 8))}
    >>> rows = score_samplers(judge_model, noise, real, n=50, draws=3)
    >>> list(rows), rows["real images"]["n"]
    (['noise', 'real images'], 50)
    """
    validate_parameter_constraints({"draws": [DRAWS]}, {"draws": draws}, "score_samplers")
    n = min(int(n), len(real_images) // 2)
    if n < 2:
        raise ValueError(f"{len(real_images)} real images leave fewer than 2 per set: give more.")
    if real_features is None:
        real_features = judge.features(judge_model, real_images, device=device)
    elif len(real_features) != len(real_images):
        raise ValueError(f"real_features has {len(real_features)} rows for {len(real_images)} "
                         f"real images: pass the judge's features of real_images, in order.")
    reconstructions = dict(reconstructions or {})
    for name, rebuilt in reconstructions.items():
        if callable(rebuilt) or len(rebuilt) != len(real_images):
            raise ValueError(f"reconstructions[{name!r}] must be the rebuilds of real_images "
                             f"(an array of {len(real_images)} images, in order), not a "
                             f"{type(rebuilt).__name__}.")
    rebuilt_features = {name: judge.features(judge_model, rebuilt, device=device)
                        for name, rebuilt in reconstructions.items()}
    rows = {name: [] for name in [*samplers, REAL, *reconstructions]}
    verdicts = {name: [] for name in samplers}
    for round_ in range(int(draws)):
        reference_pool, held_pool = split_real(len(real_images), (int(seed), round_))
        reference, held = real_features[reference_pool[:n]], held_pool[:n]
        for name, draw in samplers.items():
            generated = draw(n, int(seed) * 1000 + round_)
            features, verdict = judge.features_and_verdict(
                judge_model, generated.images, generated.labels, device=device)
            rows[name].append(frechet.frechet_distance(features, reference))
            verdicts[name].append(verdict)
        rows[REAL].append(frechet.frechet_distance(real_features[held], reference))
        for name, features in rebuilt_features.items():
            rows[name].append(frechet.frechet_distance(features[held], reference))
    out = {}
    for name, distances in rows.items():
        row = {"n": n, "frechet_distance": float(np.mean(distances)),
               "frechet_sd": float(np.std(distances, ddof=1)),
               "frechet_draws": [float(d) for d in distances]}
        for key in ("judge_agreement", "judge_confidence"):
            values = [v[key] for v in verdicts.get(name, []) if v[key] is not None]
            row[key] = float(np.mean(values)) if values else None
        out[name] = row
    return out


def summary_rows(scores: dict) -> dict:
    """The columns to print of each row: the judge's two verdicts and the distance ± its standard deviation."""
    return {name: {"judge_agreement": row.get("judge_agreement"),
                   "judge_confidence": row.get("judge_confidence"),
                   "frechet_distance": row["frechet_distance"],
                   "± sd": row["frechet_sd"]} for name, row in scores.items()}


def paired_difference(scores: dict, a: str, b: str) -> dict:
    """The difference of rows ``a`` and ``b``'s Fréchet distances, judged on paired draws.

    Every row of one draw is measured against the same reference half of the real images, so
    the rows' distances move together from draw to draw; their standard deviations overstate
    the noise of a difference. The rule used everywhere (section "One GMM for all classes",
    the AE-vs-VAE verdict): the per-draw differences ``fd_b - fd_a``, their mean ``gap`` and
    its standard error ``se`` (their sd over the square root of the number of draws), and
    ``resolved`` where ``|gap|`` exceeds twice ``se``.

    Examples
    --------
    >>> rows = {"x": {"frechet_draws": [10.0, 11.0, 12.0]},
    ...         "y": {"frechet_draws": [10.5, 11.4, 12.6]}}
    >>> d = paired_difference(rows, "x", "y")
    >>> round(d["gap"], 2), round(d["se"], 3), d["resolved"]
    (0.5, 0.058, True)
    """
    da, db = (np.asarray(scores[k]["frechet_draws"], dtype=float) for k in (a, b))
    if da.shape != db.shape or len(da) < 2:
        raise ValueError(f"Rows {a!r} and {b!r} need the same draws, at least 2: got "
                         f"{len(da)} and {len(db)}.")
    diff = db - da
    gap, se = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))
    return {"gap": gap, "se": se, "resolved": bool(abs(gap) > 2 * se)}


def compare(scores: dict, a: str, b: str) -> str:
    """One sentence: which of rows ``a`` and ``b`` is closer to the real images, or that they
    cannot be told apart, by :func:`paired_difference`.

    Examples
    --------
    >>> rows = {"x": {"frechet_distance": 11.0, "frechet_draws": [10.0, 11.0, 12.0]},
    ...         "y": {"frechet_distance": 11.4, "frechet_draws": [10.6, 11.0, 12.6]}}
    >>> compare(rows, "x", "y")
    'x and y cannot be told apart at this n: 11.00 against 11.40, a difference of 0.40 ± 0.20 (standard error over 3 paired draws), within twice its standard error.'
    """
    da, db = scores[a]["frechet_distance"], scores[b]["frechet_distance"]
    d = paired_difference(scores, a, b)
    gap = f"{abs(d['gap']):.2f} ± {d['se']:.2f} (standard error over " \
          f"{len(scores[a]['frechet_draws'])} paired draws)"
    if not d["resolved"]:
        return (f"{a} and {b} cannot be told apart at this n: {da:.2f} against {db:.2f}, a "
                f"difference of {gap}, within twice its standard error.")
    closer, farther = (a, b) if d["gap"] > 0 else (b, a)
    if closer == REAL:
        return (f"{farther} can be told from real images at this n: {max(da, db):.2f} against "
                f"{min(da, db):.2f} for real images themselves, a difference of {gap}, beyond "
                f"twice its standard error.")
    return (f"{closer} is closer to the real images than {farther}: {min(da, db):.2f} against "
            f"{max(da, db):.2f}, a difference of {gap}, beyond twice its standard error.")
