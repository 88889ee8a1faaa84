"""Figures for the notebooks. Each function returns its matplotlib figure and, given
``path``, also saves it as a PNG (written to a temporary name, then renamed). Show one in a
notebook with ``display(fig)`` (or as a cell's last expression).

Image grids are laid out by :func:`torchvision.utils.make_grid`.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from gae_helpers.data.storage import atomic_path

_PAD = 2


def as_gray_images(images) -> np.ndarray:
    """Images (a tensor or array) as float32 in [0, 1]: ``(n, h, w)`` for one channel (the
    first), ``(n, h, w, 3)`` for colour; a single image gets a leading axis."""
    if hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    if images.ndim == 2:
        images = images[None]
    return np.clip(images, 0, 1)


def save_figure(fig: Figure, path) -> None:
    """Save ``fig`` as a PNG at ``path`` atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=fig.dpi, bbox_inches="tight")


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def _new_figure(width, height):
    # Not through pyplot: a figure is shown only where a notebook displays it, once.
    return Figure(figsize=(width, height), dpi=80)


def _strip(images, ncols):
    images = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if images.ndim == 3:
        images = images.unsqueeze(1)
    grid = make_grid(images.clamp(0, 1), nrow=ncols, padding=_PAD, pad_value=1.0)
    # make_grid repeats a single channel three times; keep one for a grey colormap.
    return grid[0].numpy() if images.shape[1] == 1 else grid.permute(1, 2, 0).numpy()


def plot_image_grid(images, captions=None, ncols: int = 10, title: str | None = None,
                    path=None) -> Figure:
    """Images in a grid, each with an optional caption above it (e.g. its class name)."""
    images = np.asarray(images, dtype=np.float32)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    h, w = images.shape[-2:]
    fig = _new_figure(0.95 * ncols + 0.3, (1.15 if captions is not None else 0.95) * nrows + 0.5)
    ax = fig.add_subplot()
    ax.imshow(_strip(images, ncols), cmap="gray", vmin=0, vmax=1)
    if captions is not None:
        for i, caption in enumerate(captions):
            r, c = divmod(i, ncols)
            ax.text(_PAD + c * (w + _PAD) + w / 2, _PAD + r * (h + _PAD) - 0.5, str(caption),
                    ha="center", va="bottom", fontsize=7, color="tab:red")
    ax.axis("off")
    if title:
        ax.set_title(title, pad=12 if captions is not None else 4)
    return _finish(fig, path)


def plot_image_rows(rows, row_labels, title: str | None = None, path=None) -> Figure:
    """One strip of images per row, labelled on the left: samples per class, styles per
    class, interpolation strips, originals over reconstructions."""
    rows = [np.asarray(r, dtype=np.float32) for r in rows]
    ncols = max(len(r) for r in rows)
    h, w = rows[0].shape[-2:]
    scale = 1.0 if h >= 16 else 2.0
    fig = _new_figure(scale * ncols * w / 28 + 1.5, scale * len(rows) * h / 28 + 0.5)
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row, label in zip(axes, rows, row_labels):
        padded = np.ones((ncols, *row.shape[1:]), dtype=np.float32)
        padded[:len(row)] = row
        ax.imshow(_strip(padded, ncols), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=9)
    if title:
        axes[0].set_title(title)
    fig.subplots_adjust(hspace=0.05)
    return _finish(fig, path)


def plot_loss_curve(history, title: str = "Autoencoder training loss", path=None) -> Figure:
    """Mean training loss per epoch."""
    fig = _new_figure(5, 3)
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(history) + 1), history, marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def plot_heatmap(matrix, class_names, title: str, label: str, path=None, fmt: str = ".0f"
                 ) -> Figure:
    """A class-by-class matrix with its values written in (e.g. KL divergences)."""
    matrix = np.asarray(matrix)
    n = len(class_names)
    fig = _new_figure(0.6 * n + 2.5, 0.55 * n + 1.5)
    ax = fig.add_subplot()
    im = ax.imshow(matrix, cmap="viridis")
    fig.colorbar(im, ax=ax, label=label)
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), class_names)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, format(matrix[i, j].item(), fmt), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] < matrix.max() / 2 else "black")
    ax.set_title(title)
    return _finish(fig, path)


def plot_kl_heatmap(kl, class_names, path=None) -> Figure:
    """KL(row || column) between the class GMMs (section "Class similarity")."""
    return plot_heatmap(kl, class_names, "KL divergence between class GMMs (row || column)",
                        "nats", path=path)


def plot_confusion_matrix(y_true, y_pred, class_names, title: str = "Confusion matrix (test)",
                          path=None) -> Figure:
    """Counts of true (rows) against predicted (columns) classes (section "Predicting data"),
    drawn by scikit-learn's ``ConfusionMatrixDisplay``."""
    from sklearn.metrics import ConfusionMatrixDisplay

    n = len(class_names)
    fig = _new_figure(0.6 * n + 2.5, 0.55 * n + 1.5)
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=np.arange(n), display_labels=list(class_names),
        ax=fig.add_subplot(), xticks_rotation=45, colorbar=True, text_kw={"fontsize": 7})
    fig.axes[0].set_title(title)
    return _finish(fig, path)


def plot_histograms(samples: dict, xlabel: str, title: str, path=None, bins: int = 50) -> Figure:
    """Overlaid histograms of several named samples (e.g. log-likelihoods)."""
    fig = _new_figure(6, 3.2)
    ax = fig.add_subplot()
    values = np.concatenate([np.asarray(v, float) for v in samples.values()])
    edges = np.histogram_bin_edges(values[np.isfinite(values)], bins=bins)
    for name, v in samples.items():
        ax.hist(np.clip(v, edges[0], edges[-1]), bins=edges, alpha=0.5, label=name, density=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend()
    return _finish(fig, path)
