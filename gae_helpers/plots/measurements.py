"""Figures of the measurements (section "Calibration"). Like :mod:`gae_helpers.plots.figures`, each
function returns its matplotlib figure (built without pyplot) and, given ``path``, also saves
it as a PNG.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from gae_helpers.plots.figures import save_figure


def plot_reliability_diagram(curves: dict, title: str = "Reliability diagram",
                             path=None) -> Figure:
    """Accuracy against confidence per bin, one line per named curve.

    Section "Calibration": e.g. ``{"before": reliability_curve(p, y), "after temperature
    scaling": reliability_curve(q, y)}``. Points on the diagonal are calibrated; below it,
    overconfident. A lower panel shows how many images each bin holds.

    Parameters
    ----------
    curves : dict of str to (confidence, accuracy, count)
        As returned by :func:`gae_helpers.measure.calibration.reliability_curve`; empty bins are
        skipped.
    title : str
    path : str or Path, optional
        Where to save the PNG.
    """
    if not curves:
        raise ValueError("curves is empty: pass e.g. {'before': reliability_curve(proba, y)}.")
    fig = Figure(figsize=(5, 5.5), dpi=80)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    for name, (conf, acc, count) in curves.items():
        conf, acc, count = (np.asarray(a, dtype=float) for a in (conf, acc, count))
        if not conf.shape == acc.shape == count.shape:
            raise ValueError(f"curve {name!r}: confidence, accuracy and count must have the same "
                             f"length, got {conf.shape}, {acc.shape}, {count.shape}.")
        full = count > 0
        (line,) = top.plot(conf[full], acc[full], marker="o", label=name)
        bottom.plot(conf[full], count[full] / count.sum(), marker=".", color=line.get_color())
    top.set_xlim(0, 1)
    top.set_ylim(0, 1.02)
    top.set_ylabel("accuracy")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    bottom.set_yscale("log")
    bottom.set_xlabel("confidence (top class probability)")
    bottom.set_ylabel("share")
    bottom.grid(alpha=0.3)
    if path is not None:
        save_figure(fig, path)
    return fig
