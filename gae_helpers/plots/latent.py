"""Figures of the latent space itself (section "Explore"): the plane of a 2-d latent code
with the class GMMs' contours and the images decoded across it, and 2-d projections of the
codes of several models side by side.

Like :mod:`gae_helpers.plots.figures`, each function returns a :class:`matplotlib.figure.Figure`
(not through pyplot) and, given ``path``, saves it as a PNG with
:func:`gae_helpers.plots.figures.save_figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from gae_helpers.plots.figures import as_gray_images, save_figure

PROJECTIONS = ("pca", "tsne")


def class_colors(n_classes: int) -> list:
    """One colour per class: tab10 up to 10 classes, tab20 up to 20, else a sampled hsv."""
    from matplotlib import colormaps

    if n_classes <= 10:
        return [colormaps["tab10"](k) for k in range(n_classes)]
    if n_classes <= 20:
        return [colormaps["tab20"](k) for k in range(n_classes)]
    return [colormaps["hsv"](k / n_classes) for k in range(n_classes)]


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def _class_index(labels, classes):
    labels = np.asarray(labels)
    index = np.searchsorted(classes, labels)
    index = np.clip(index, 0, len(classes) - 1)
    if not np.all(np.asarray(classes)[index] == labels):
        unknown = np.setdiff1d(np.unique(labels), classes)
        raise ValueError(f"Labels {unknown.tolist()[:5]} are not among the classes "
                         f"{np.asarray(classes).tolist()}.")
    return index


def plot_latent_plane(codes, labels, gmm, decode, class_names, grid_size: int = 15,
                      max_points: int = 5000, random_state=0, path=None) -> Figure:
    """A 2-d latent space: codes and GMM contours (left), decoded images across it (right).

    Parameters
    ----------
    codes : array (n, 2)
        Latent codes of an autoencoder with ``latent_dim=2``.
    labels : array (n,)
        Their classes, members of ``gmm.classes_``.
    gmm : GMMClassifier
        Fitted on such codes; ``class_names[k]`` names ``gmm.classes_[k]``.
    decode : callable
        ``decode(codes) -> images (n, 1, h, w)`` in [0, 1].
    class_names : sequence of str
    grid_size : int
        Images per side of the right panel, each decoded from the centre of its cell; the
        window is that of the left panel (the codes' 1st to 99th percentile on each axis, plus
        5%).
    max_points : int
        Codes drawn on the left (a random subset beyond that).

    Each class's mixture is drawn as two contours of its log-density: the levels its own
    training codes exceed 50% and 90% of the time (so they enclose about half and nine tenths
    of that class's codes).
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] != 2:
        shape = codes.shape
        raise ValueError(
            f"plot_latent_plane draws a 2-d latent space, but the codes have shape {shape}"
            f"{f' ({shape[1]}-d)' if codes.ndim == 2 else ''}: train the autoencoder with "
            f"latent_dim=2 (e.g. papermill -p latent_dim 2), or use plot_latent_projection "
            f"for codes of any size.")
    if int(grid_size) < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size!r}.")
    grid_size = int(grid_size)
    classes = np.asarray(gmm.classes_)
    index = _class_index(labels, classes)
    colors = class_colors(len(classes))
    low, high = np.percentile(codes, 1, axis=0), np.percentile(codes, 99, axis=0)
    span = np.maximum(high - low, 1e-6)
    low, high = low - 0.05 * span, high + 0.05 * span

    fig = Figure(figsize=(13, 6.2), dpi=80)
    ax_codes, ax_images = fig.subplots(1, 2)
    rng = np.random.default_rng(random_state)
    shown = np.arange(len(codes))
    if len(shown) > max_points:
        shown = np.sort(rng.choice(len(codes), int(max_points), replace=False))
    ax_codes.scatter(codes[shown, 0], codes[shown, 1], c=[colors[k] for k in index[shown]],
                     s=4, alpha=0.5, linewidths=0)
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120))
    mesh = np.column_stack([gx.ravel(), gy.ravel()])
    for k, mixture in enumerate(gmm.gmms_):
        own = codes[index == k]
        if len(own) < 2:
            continue
        levels = np.quantile(mixture.score_samples(own), [0.1, 0.5])
        if not levels[1] > levels[0]:
            continue
        density = mixture.score_samples(mesh).reshape(gx.shape)
        ax_codes.contour(gx, gy, density, levels=levels, colors=[colors[k]],
                         linewidths=(0.8, 1.6))
    handles = [ax_codes.scatter([], [], color=colors[k], s=20, label=str(name))
               for k, name in enumerate(class_names)]
    ax_codes.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                    frameon=False, markerscale=1.2)
    ax_codes.set_xlim(low[0], high[0])
    ax_codes.set_ylim(low[1], high[1])
    ax_codes.set_xlabel("latent dimension 1")
    ax_codes.set_ylabel("latent dimension 2")
    ax_codes.set_title("Codes by class; contours: each class GMM (50% and 90% of its codes)",
                       fontsize=10)

    # each image is decoded from the centre of its cell; the top row has the highest values
    # of dimension 2, so the grid lies over the plane as in the left panel
    centres = (np.arange(grid_size) + 0.5) / grid_size
    xs = low[0] + centres * (high[0] - low[0])
    ys = high[1] - centres * (high[1] - low[1])
    grid_codes = np.array([[x, y] for y in ys for x in xs])
    images = as_gray_images(decode(grid_codes))
    h, w = images.shape[1:3]
    # a one-pixel grey line after each image keeps neighbours apart
    cells = np.full((grid_size, grid_size, h + 1, w + 1), 0.35, dtype=np.float32)
    cells[:, :, :h, :w] = images.reshape(grid_size, grid_size, h, w)
    canvas = cells.transpose(0, 2, 1, 3).reshape(grid_size * (h + 1), grid_size * (w + 1))
    ax_images.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest",
                     extent=(low[0], high[0], low[1], high[1]), aspect="auto")
    ax_images.set_xlabel("latent dimension 1")
    ax_images.set_ylabel("latent dimension 2")
    ax_images.set_title(f"Images decoded on a {grid_size}x{grid_size} grid over the same window",
                        fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.98, wspace=0.3, bottom=0.09, top=0.93)
    return _finish(fig, path)


def project_codes(codes, method: str = "pca", max_points: int | None = None,
                  random_state=0):
    """Codes projected to 2-d: ``(points (m, 2), kept_indices (m,), axis_labels)``.

    ``"pca"`` (scikit-learn's PCA; every code unless ``max_points``); ``"tsne"`` (t-SNE, on
    at most ``max_points`` codes, 2000 when not given, as it is slow). 1-d codes get a zero
    second coordinate.
    """
    if method not in PROJECTIONS:
        raise ValueError(f"Unknown method {method!r}: choose one of {', '.join(PROJECTIONS)}.")
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or len(codes) < 3:
        raise ValueError(f"codes must be an array (n >= 3, d), got shape {codes.shape}.")
    rng = np.random.default_rng(random_state)
    if method == "tsne" and max_points is None:
        max_points = 2000
    kept = np.arange(len(codes))
    if max_points is not None and len(codes) > max_points:
        kept = np.sort(rng.choice(len(codes), int(max_points), replace=False))
    x = codes[kept]
    if x.shape[1] == 1:
        return np.column_stack([x[:, 0], np.zeros(len(x))]), kept, ("code", "")
    seed = int(rng.integers(np.iinfo(np.int32).max))
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed)
        points = pca.fit_transform(x)
        ratio = pca.explained_variance_ratio_
        return points, kept, (f"PC 1 ({ratio[0]:.0%} of variance)",
                              f"PC 2 ({ratio[1]:.0%} of variance)")
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(2.0, (len(x) - 1) / 3)))
    points = TSNE(n_components=2, init="pca", perplexity=perplexity,
                  random_state=seed).fit_transform(x)
    return points, kept, ("t-SNE 1", "t-SNE 2")


def plot_latent_projection(codes_by_model: dict, class_names, method: str = "pca",
                           max_points: int | None = None, random_state=0, path=None) -> Figure:
    """Each model's codes projected to 2-d, side by side, coloured by class.

    Parameters
    ----------
    codes_by_model : dict of str to (codes, labels)
        e.g. ``{"autoencoder, latent 32": (z_test, y_test), "VAE": (...)}``; labels are class
        indices (``class_names[k]`` names label ``k``). Each model gets its own projection.
    class_names : sequence of str
        The same colour per class in every panel.
    method : {"pca", "tsne"}
        See :func:`project_codes`; t-SNE runs on at most ``max_points`` (default 2000) codes.
    """
    if not codes_by_model:
        raise ValueError("codes_by_model is empty: give at least one {name: (codes, labels)}.")
    colors = class_colors(len(class_names))
    n = len(codes_by_model)
    fig = Figure(figsize=(4.6 * n + 1.4, 4.6), dpi=80)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, (name, (codes, labels)) in zip(axes, codes_by_model.items()):
        points, kept, (xlabel, ylabel) = project_codes(codes, method, max_points, random_state)
        labels = np.asarray(labels)[kept].astype(int)
        if labels.min(initial=0) < 0 or labels.max(initial=0) >= len(class_names):
            raise ValueError(f"{name}: labels must be class indices 0..{len(class_names) - 1}.")
        order = np.random.default_rng(random_state).permutation(len(points))  # no class on top
        ax.scatter(points[order, 0], points[order, 1], c=[colors[k] for k in labels[order]],
                   s=4, alpha=0.6, linewidths=0)
        dim = np.asarray(codes).shape[1]
        ax.set_title(f"{name} ({dim}-d codes)", fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
    handles = [axes[-1].scatter([], [], color=colors[k], s=20, label=str(c))
               for k, c in enumerate(class_names)]
    fig.legend(handles=handles, loc="center right", fontsize=8, frameon=False)
    fig.suptitle(f"Codes projected to 2-d by {'PCA' if method == 'pca' else 't-SNE'}",
                 fontsize=11)
    fig.subplots_adjust(left=0.06, right=1 - 1.3 / (4.6 * n + 1.4), wspace=0.3, bottom=0.12,
                        top=0.86)
    return _finish(fig, path)
