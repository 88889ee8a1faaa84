"""Matplotlib pieces the explorers draw with: a figure, its PNG, image tiles, and panels drawn
once whose artists are then only updated (section "Explore")."""

from __future__ import annotations

import io

import numpy as np

DPI = 100


def figure(width, height):
    """A matplotlib Figure of ``width`` x ``height`` inches, outside pyplot (never shown)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def png(fig) -> bytes:
    """The figure as PNG bytes, the same for the same figure (no timestamp, no software)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buffer.getvalue()


def tile(images, ncols, pad=1, gap=0):
    """Images ``(n, h, w)`` in a grid with ``pad`` white pixels between them and ``gap`` more
    below each row (room for captions).

    >>> tile(np.zeros((3, 2, 2)), ncols=2).shape
    (7, 7)
    """
    n, h, w = images.shape
    nrows = int(np.ceil(n / ncols))
    grid = np.ones((nrows * (h + pad + gap) + pad, ncols * (w + pad) + pad), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad + gap), pad + c * (w + pad)
        grid[top:top + h, left:left + w] = image
    return grid


class ImagePanel:
    """An image axes drawn once; :meth:`set` swaps its pixels and title."""

    def __init__(self, ax, shape, title="", fontsize=9):
        self.im = ax.imshow(np.zeros(shape, dtype=np.float32), cmap="gray", vmin=0, vmax=1,
                            interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        self.ax, self.title = ax, ax.set_title(title, fontsize=fontsize)

    def set(self, image, title=None, color="black"):
        self.im.set_data(image)
        if title is not None:
            self.title.set_text(title)
        self.title.set_color(color)

    def frame(self, color=None, width=2.0):
        for side in self.ax.spines.values():
            side.set_color(color or "black")
            side.set_linewidth(width if color else 0.8)


class BarPanel:
    """Horizontal bars of class probabilities, drawn once; with ``with_none`` a last row
    "none", a full red bar and a red label when the reject option rejects."""

    def __init__(self, ax, names, with_none, title):
        n = len(names)
        rows = n + (1 if with_none else 0)
        y = np.arange(rows)
        self.bars = ax.barh(y, np.zeros(rows), color="0.7", height=0.7)
        ax.set_yticks(y, list(names) + ([""] if with_none else []), fontsize=8)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.5, 1])
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(title, fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self.n, self.none_label = n, None
        if with_none:
            self.bars[-1].set_color("tab:red")
            self.none_label = ax.text(-0.03, n, "none", transform=ax.get_yaxis_transform(),
                                      ha="right", va="center", fontsize=8)

    def set(self, proba, rejected=None):
        proba = np.asarray(proba, dtype=np.float64)
        best = int(np.argmax(proba)) if proba.any() else -1
        for k in range(self.n):
            self.bars[k].set_width(proba[k])
            self.bars[k].set_color("tab:blue" if k == best and not rejected else "0.7")
        if self.none_label is not None:
            self.bars[-1].set_width(1.0 if rejected else 0.0)
            self.none_label.set_color("tab:red" if rejected else "black")
            self.none_label.set_fontweight("bold" if rejected else "normal")


def classifier_figure(n_classes, bottom=0.0):
    """The figure of the morph and sketch explorers (an image or two beside class bars), sized
    for ``n_classes`` bars, with ``bottom`` more inches below for a caption."""
    return figure(5.6, max(2.4, 0.2 * (n_classes + 1) + 0.9) + bottom)
