"""Interactive explorers of a fitted model, built with ipywidgets (section "Explore").

Each explorer works on what a run already fitted: a ``decode`` function (latent codes to
images in [0, 1]), a :class:`~gae_helpers.mixture.ClassGaussianMixture` and the class names;
optionally a ``judge_proba`` classifier independent of the mixtures, and ``encode`` for the
drawing pad. Nothing is trained here.

* :class:`SamplerExplorer`: decoded samples of one class's GMM at a chosen temperature.
* :class:`MorphExplorer`: walk the straight line between a code of one class and one of
  another; the image there and the class probabilities (and "none").
* :class:`StylesExplorer`: move along one component's first principal axis.
* :class:`DrawExplorer`: draw on a pad (ipycanvas); the drawing is scaled to the dataset's
  image size, encoded and classified.

Each explorer keeps its widgets as attributes, recomputes in :meth:`update` (called by the
widgets' callbacks, and callable from Python, as tests do) and shows its figure as a PNG in an
``ipywidgets.Image``. ``explorer.widget`` is the container to lay out elsewhere. Displayed as
a cell's last expression (or with :meth:`display`), an explorer's output holds three
representations: the live widget (JupyterLab, Jupyter Notebook), a PNG of its current state
(papermill runs, nbconvert, static viewers) and a short deterministic text (``text/plain``,
what nbval compares). Exceptions inside callbacks are written to the explorer's ``log``
Output widget (and kept in ``errors``), never lost.

Examples
--------
>>> from gae_helpers.autoencoder import decode                        # doctest: +SKIP
>>> SamplerExplorer(lambda z: decode(autoencoder, z), gmm, names)     # doctest: +SKIP
"""

from __future__ import annotations

import base64
import contextlib
import io
import time
import traceback

import numpy as np
import torch

from .plots import as_gray_images

__all__ = ["SamplerExplorer", "MorphExplorer", "StylesExplorer", "DrawExplorer",
           "sample_with_temperature", "component_covariances", "principal_axis",
           "prepare_drawing", "measure_latency"]

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDE = {"description_width": "initial"}  # labels in full, not cut to "temperat..."
_DROPDOWN = {"style": _WIDE, "layout": {"width": "15em"}}
_DPI = 100


# ---------------------------------------------------------------------------------------------
# Mixture helpers (pure functions, no widgets)

def component_covariances(gaussian_mixture) -> np.ndarray:
    """Full covariance matrices ``(n_components, d, d)`` of a fitted GaussianMixture, whatever
    its ``covariance_type`` ("full", "tied", "diag" or "spherical")."""
    gm = gaussian_mixture
    k, d = gm.means_.shape
    cov = np.asarray(gm.covariances_, dtype=np.float64)
    kind = gm.covariance_type
    if kind == "full":
        return cov.copy()
    if kind == "tied":
        return np.repeat(cov[None], k, axis=0)
    if kind == "diag":
        return np.stack([np.diag(c) for c in cov])
    if kind == "spherical":
        return cov[:, None, None] * np.eye(d)[None]
    raise ValueError(f"Unknown covariance_type {kind!r}.")


def sample_with_temperature(gaussian_mixture, n_samples: int, temperature: float = 1.0,
                            random_state=None, return_components: bool = False):
    """Draw from a fitted GaussianMixture with its covariances scaled by ``temperature``.

    A component is picked by the mixture weights, then ``mean + sqrt(T) * L @ eps`` with ``L``
    the Cholesky factor of that component's covariance and ``eps`` standard normal. The same
    ``random_state`` gives the same components and ``eps`` at every temperature, so raising
    the temperature only stretches each sample away from its component's mean; ``T = 1``
    samples the mixture as fitted, ``T -> 0`` gives the component means.

    Returns the codes ``(n_samples, d)``, and the component of each when
    ``return_components``.
    """
    temperature = float(temperature)
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}.")
    rng = np.random.default_rng(random_state)
    gm = gaussian_mixture
    weights = np.asarray(gm.weights_, dtype=np.float64)
    components = rng.choice(len(weights), size=int(n_samples), p=weights / weights.sum())
    eps = rng.standard_normal((int(n_samples), gm.means_.shape[1]))
    chol = _cholesky_factors(gm)
    codes = gm.means_[components] + np.sqrt(temperature) * np.einsum("nij,nj->ni",
                                                                      chol[components], eps)
    return (codes, components) if return_components else codes


def _cholesky_factors(gm):
    cached = getattr(gm, "_gae_cholesky", None)
    if cached is not None and cached[0] is gm.covariances_:
        return cached[1]
    covs = component_covariances(gm)
    chol = np.linalg.cholesky(covs)
    try:  # a cache on the estimator, keyed by the covariance array it was computed from
        gm._gae_cholesky = (gm.covariances_, chol)
    except AttributeError:
        pass
    return chol


def principal_axis(gaussian_mixture, component: int):
    """The first principal axis of one component: ``(mean, v1, sqrt(lambda1))``.

    ``v1`` is the unit eigenvector of the component's covariance with the largest eigenvalue
    ``lambda1``, its sign fixed so that its largest entry (in absolute value) is positive;
    ``mean + s * sqrt(lambda1) * v1`` lies ``s`` standard deviations along it.
    """
    cov = component_covariances(gaussian_mixture)[int(component)]
    values, vectors = np.linalg.eigh(cov)
    v1 = vectors[:, -1]
    if v1[np.argmax(np.abs(v1))] < 0:
        v1 = -v1
    return (np.asarray(gaussian_mixture.means_[int(component)], dtype=np.float64), v1,
            float(np.sqrt(max(values[-1], 0.0))))


def prepare_drawing(drawing, image_shape, fit_box="auto") -> torch.Tensor:
    """A drawing (white strokes on black) as one image of the dataset: ``(1, c, h, w)`` in
    [0, 1].

    ``drawing`` is an array ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` (RGBA from a canvas;
    the colour channels are averaged, alpha ignored), uint8 in 0..255 or float in [0, 1].
    With ``fit_box`` the strokes' bounding box is scaled (aspect kept) so that its longer side
    spans that fraction of the pad and put at the pad's centre by its centre of mass, as the
    datasets were prepared: ``"auto"`` is 1.0 for images under 16 pixels a side (scikit-learn's
    digits fill their 8x8 frame) and 20/28 otherwise (MNIST's 20x20 box in 28x28); ``None``
    keeps the drawing as drawn. Then the pad is shrunk to ``image_shape`` by area averaging,
    like :func:`gae_helpers.data.resize_images`.
    """
    array = np.asarray(drawing)
    if array.ndim == 3:
        array = array[..., :3].mean(axis=-1) if array.shape[-1] in (3, 4) else array[0]
    if array.ndim != 2:
        raise ValueError(f"A drawing must be (H, W), (H, W, 3) or (H, W, 4), got "
                         f"{np.asarray(drawing).shape}.")
    array = array.astype(np.float32)
    if np.asarray(drawing).dtype == np.uint8 or array.max(initial=0) > 1.0:
        array = array / 255.0
    array = np.clip(array, 0.0, 1.0)
    channels, height, width = (1, *tuple(image_shape)[-2:]) if len(image_shape) == 2 \
        else tuple(image_shape)
    if fit_box == "auto":
        fit_box = 1.0 if max(height, width) < 16 else 20 / 28
    if fit_box is not None:
        array = _fit_to_box(array, float(fit_box))
    image = torch.from_numpy(np.ascontiguousarray(array))[None, None]
    if tuple(image.shape[-2:]) != (height, width):
        image = torch.nn.functional.interpolate(image, size=(height, width), mode="area")
    return image.repeat(1, channels, 1, 1).clamp(0, 1)


def _fit_to_box(array, fraction):
    ink = array > 0.1 * array.max(initial=0)
    if not ink.any():
        return array
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = array[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    size_h, size_w = array.shape
    scale = fraction * min(size_h, size_w) / max(crop.shape)
    new_h = max(1, min(size_h, int(round(crop.shape[0] * scale))))
    new_w = max(1, min(size_w, int(round(crop.shape[1] * scale))))
    t = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
    mode = "area" if scale < 1 else "bilinear"
    kwargs = {} if mode == "area" else {"align_corners": False}
    crop = torch.nn.functional.interpolate(t, size=(new_h, new_w), mode=mode, **kwargs)[0, 0]
    crop = crop.clamp(0, 1).numpy()
    mass = crop.sum()
    cy = (crop.sum(axis=1) @ np.arange(new_h)) / mass if mass > 0 else (new_h - 1) / 2
    cx = (crop.sum(axis=0) @ np.arange(new_w)) / mass if mass > 0 else (new_w - 1) / 2
    top = int(np.clip(round((size_h - 1) / 2 - cy), 0, size_h - new_h))
    left = int(np.clip(round((size_w - 1) / 2 - cx), 0, size_w - new_w))
    out = np.zeros_like(array)
    out[top:top + new_h, left:left + new_w] = crop
    return out


@contextlib.contextmanager
def _one_torch_thread():
    """Run a few-image forward pass on one thread. On a small CPU shared with other work,
    torch's thread pool waits on busy cores: one 28x28 image took 60 ms on two threads and
    under 1 ms on one (2-core machine under load); switching costs about a millisecond."""
    previous = torch.get_num_threads()
    if previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# ---------------------------------------------------------------------------------------------
# Rendering helpers

def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=_DPI)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buffer.getvalue()


def _tile(images, ncols, pad=1, gap=0):
    """Images ``(n, h, w)`` in a grid with ``pad`` white pixels between them and ``gap`` more
    below each row (room for captions)."""
    n, h, w = images.shape
    nrows = int(np.ceil(n / ncols))
    grid = np.ones((nrows * (h + pad + gap) + pad, ncols * (w + pad) + pad), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad + gap), pad + c * (w + pad)
        grid[top:top + h, left:left + w] = image
    return grid


class _ImagePanel:
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


class _BarPanel:
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


# ---------------------------------------------------------------------------------------------
# The explorers

class _Explorer:
    """What every explorer shares: inputs, guarded callbacks, rendering, display."""

    kind = "Explorer"

    def __init__(self, decode, gmm, class_names, *, judge_proba=None, seed: int = 0):
        import ipywidgets as widgets

        if not hasattr(gmm, "gmms_"):
            raise ValueError("gmm must be a fitted ClassGaussianMixture (call fit first).")
        self._decode_fn = decode
        self.gmm = gmm
        self.class_names = [str(name) for name in class_names]
        if len(self.class_names) != len(gmm.classes_):
            raise ValueError(f"class_names has {len(self.class_names)} names for "
                             f"{len(gmm.classes_)} classes: class_names[k] must name "
                             f"gmm.classes_[k].")
        self.judge_proba = judge_proba
        self.seed = int(seed)
        self.errors: list = []
        self.raise_errors = False  # tests may set True to see exceptions raised
        self.log = widgets.Output(layout=widgets.Layout(max_height="12em", overflow="auto"))
        # sized to the figure's pixels on the first update (a flex column would stretch it)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%",
                                                                       height="auto"))
        self.image.add_class("gae-explore-image")
        self.status = widgets.HTML()
        self.updates = 0
        self._fig = None  # built on the first update, then only its artists change
        self._widgets = widgets

    # -- inputs ---------------------------------------------------------------------------
    def decode(self, codes) -> np.ndarray:
        """Decoded images as float32 ``(n, h, w)`` in [0, 1] (first channel)."""
        codes = np.atleast_2d(np.asarray(codes, dtype=np.float64))
        with _one_torch_thread():
            return as_gray_images(self._decode_fn(codes))

    def _judge(self, images):
        """The judge's probabilities ``(n, n_classes)`` for images ``(n, h, w)``, or None."""
        if self.judge_proba is None:
            return None
        batch = torch.from_numpy(np.ascontiguousarray(images[:, None], dtype=np.float32))
        with _one_torch_thread():
            proba = self.judge_proba(batch)
        if hasattr(proba, "detach"):
            proba = proba.detach().cpu().numpy()
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (len(images), len(self.class_names)):
            raise ValueError(f"judge_proba returned shape {proba.shape}, expected "
                             f"{(len(images), len(self.class_names))} (one column per class).")
        return proba

    def _class_index(self, label):
        matches = np.flatnonzero(self.gmm.classes_ == label)
        if len(matches) != 1:
            raise ValueError(f"Unknown class {label!r}: choose one of "
                             f"{self.gmm.classes_.tolist()}.")
        return int(matches[0])

    def _class_options(self):
        return [(name, k) for k, name in enumerate(self.class_names)]

    @property
    def _rejecting(self):
        return getattr(self.gmm, "thresholds_", None) is not None

    # -- callbacks ------------------------------------------------------------------------
    def _guard(self, function):
        """Wrap a widget callback: an exception goes to ``log`` and ``errors``."""
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
                text = "".join(traceback.format_exception(exc))
                self.errors.append(text)
                self.log.append_stderr(text)
                if self.raise_errors:
                    raise
        guarded.__name__ = getattr(function, "__name__", "callback")
        return guarded

    def _observe(self, widget, handler, names="value"):
        widget.observe(self._guard(lambda change: handler()), names=names)

    def update(self):
        """Recompute from the widgets' values and redraw."""
        fig = self._render()
        self.image.value = _png(fig)
        if self.image.layout.width is None:
            self.image.layout.width = f"{round(fig.get_figwidth() * fig.dpi)}px"
        self.status.value = f"<code>{_html_escape(self.summary())}</code>"
        self.updates += 1

    def _render(self):
        raise NotImplementedError

    def summary(self) -> str:
        """One deterministic line describing the current state (the ``text/plain`` output)."""
        raise NotImplementedError

    def _latency_steps(self):
        """Callables that each make one change, for :func:`measure_latency`."""
        raise NotImplementedError

    # -- display --------------------------------------------------------------------------
    def static_png(self) -> bytes:
        """The PNG the widget shows now (the first state right after construction)."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            _WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                           "model_id": self.widget.model_id},
            "image/png": base64.b64encode(self.static_png()).decode("ascii"),
            "text/plain": self.summary(),
        }

    def display(self):
        """Show the explorer in a notebook (the same as leaving it as a cell's last value)."""
        from IPython.display import display

        display(self)

    def __repr__(self):
        return self.summary()

    def close(self):
        """Close every widget of this explorer (frees the front-end models)."""
        _close_tree(self.widget)


def _close_tree(widget):
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SamplerExplorer(_Explorer):
    """Decoded samples of one class's GMM, with a temperature (section "Explore").

    Parameters
    ----------
    decode : callable
        ``decode(codes) -> images`` of shape ``(n, 1, h, w)`` in [0, 1], e.g.
        ``lambda z: gae_helpers.autoencoder.decode(autoencoder, z)``.
    gmm : ClassGaussianMixture
        Fitted; ``class_names[k]`` names ``gmm.classes_[k]``.
    class_names : sequence of str
    judge_proba : callable, optional
        ``judge_proba(images) -> (n, n_classes)`` probabilities of a classifier independent of
        the mixtures (columns in the order of ``class_names``); each sample is captioned with
        its verdict (green: the class sampled, red: another).
    n_samples, ncols : int
        Images per draw, and per row of the grid.
    seed : int
        Draw ``i`` (0 at first, +1 per Resample) of class ``k`` uses seed ``(seed, i, k)``.
    class_label : optional
        The class shown first, a member of ``gmm.classes_`` (default the first).

    The dropdowns' values are class indices ``k`` (``gmm.classes_[k]``, named
    ``class_names[k]``); set ``explorer.class_dropdown.value = k`` to drive one from Python.

    Attributes
    ----------
    class_dropdown, temperature, resample_button : ipywidgets
    codes, components, images : the current draw
    verdicts : (names, probabilities) of the judge, or None
    widget : ipywidgets.VBox
    """

    kind = "Sampler explorer"

    def __init__(self, decode, gmm, class_names, *, judge_proba=None, n_samples: int = 10,
                 ncols: int = 10, seed: int = 0, class_label=None):
        super().__init__(decode, gmm, class_names, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        self.n_samples, self.ncols, self.draw = int(n_samples), int(ncols), 0
        start = 0 if class_label is None else self._class_index(class_label)
        self.class_dropdown = w.Dropdown(options=self._class_options(), value=start,
                                         description="class", **_DROPDOWN)
        self.temperature = w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1,
                                         description="temperature", readout_format=".1f",
                                         continuous_update=True, style=_WIDE)
        self.resample_button = w.Button(description="Resample", icon="refresh")
        self._observe(self.class_dropdown, self.update)
        self._observe(self.temperature, self.update)
        self.resample_button.on_click(self._guard(lambda _: self.resample()))
        self.widget = w.VBox([w.HBox([self.class_dropdown, self.temperature,
                                      self.resample_button]),
                              self.image, self.status, self.log])
        self.widget.add_class("gae-explore-sampler")
        self.update()

    def resample(self):
        """A new draw (what the Resample button does)."""
        self.draw += 1
        self.update()

    def _render(self):
        k = self.class_dropdown.value
        self.codes, self.components = sample_with_temperature(
            self.gmm.gmms_[k], self.n_samples, self.temperature.value,
            random_state=[self.seed, self.draw, k], return_components=True)
        self.images = self.decode(self.codes)
        proba = self._judge(self.images)
        self.verdicts = None if proba is None else (proba.argmax(1), proba.max(1))
        ncols = max(1, min(self.ncols, self.n_samples))
        h, w = self.images.shape[1:3]
        pad, gap = 1, (int(np.ceil(0.4 * h)) if self.judge_proba is not None else 0)
        grid = _tile(self.images, ncols, pad, gap)
        if self._fig is None:
            inch = 0.85 / (w + pad)
            width, height = grid.shape[1] * inch + 0.2, grid.shape[0] * inch + 0.35
            self._fig = fig = _figure(width, height)
            ax = fig.add_axes((0.1 / width, 0.05 / height, 1 - 0.2 / width, 1 - 0.35 / height))
            self._grid = _ImagePanel(ax, grid.shape)
            ax.axis("off")
            self._captions = []
            for i in range(self.n_samples if gap else 0):
                r, c = divmod(i, ncols)
                self._captions.append(ax.text(
                    pad + c * (w + pad) + w / 2 - 0.5, pad + r * (h + pad + gap) + h + gap / 2,
                    "", ha="center", va="center", fontsize=7))
            self._title = fig.suptitle("", fontsize=9, y=1 - 0.05 / height, va="top")
        self._grid.set(grid)
        if self.verdicts is not None:
            for caption, label, p in zip(self._captions, *self.verdicts):
                caption.set_text(f"{self.class_names[label]} {p:.2f}")
                caption.set_color("tab:green" if label == k else "tab:red")
        judged = "; judge's verdict under each" if self.verdicts is not None else ""
        self._title.set_text(f"class {self.class_names[k]}: {self.n_samples} samples at "
                             f"temperature {self.temperature.value:.1f}{judged}")
        return self._fig

    def summary(self):
        k = self.class_dropdown.value
        text = (f"{self.kind}: class {self.class_names[k]}, temperature "
                f"{self.temperature.value:.1f}, {self.n_samples} samples")
        if self.verdicts is not None:
            agree = int(np.sum(self.verdicts[0] == k))
            text += f"; judge agrees on {agree}/{self.n_samples}"
        return text

    def _latency_steps(self):
        temps = [0.5, 1.0, 1.5, 2.0]
        steps = [lambda t=t: setattr(self.temperature, "value", t) for t in temps]
        steps.append(self.resample)
        n = len(self.class_names)
        steps.append(lambda: setattr(self.class_dropdown, "value",
                                     (self.class_dropdown.value + 1) % n))
        return steps


class MorphExplorer(_Explorer):
    """Morph one class into another along a straight line in latent space (section "Explore").

    A code is drawn from each class's GMM (seeded by ``(seed, draw, class, end)``, drawn again
    when a class changes or on Redraw); the position slider walks the line between them. The
    image decoded there is shown beside the mixtures' class probabilities, with "none" marked
    in red where the reject option (``gmm.thresholds_``) rejects the code.

    Parameters are those of :class:`SamplerExplorer`, plus ``start`` and ``end``: the classes
    (members of ``gmm.classes_``) to begin with, and ``position`` the slider's first value.

    Attributes
    ----------
    start_dropdown, end_dropdown, position, redraw_button : ipywidgets
    start_code, end_code, code, image_array, proba, rejected, judge : the current state
    widget : ipywidgets.VBox
    """

    kind = "Morph explorer"

    def __init__(self, decode, gmm, class_names, *, judge_proba=None, start=None, end=None,
                 position: float = 0.5, seed: int = 0):
        super().__init__(decode, gmm, class_names, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        n = len(self.class_names)
        i = 0 if start is None else self._class_index(start)
        j = (i + 1) % n if end is None else self._class_index(end)
        self.draw = 0
        self.start_dropdown = w.Dropdown(options=self._class_options(), value=i,
                                         description="from", **_DROPDOWN)
        self.end_dropdown = w.Dropdown(options=self._class_options(), value=j,
                                       description="to", **_DROPDOWN)
        self.position = w.FloatSlider(value=float(position), min=0.0, max=1.0, step=0.05,
                                      description="position", readout_format=".2f",
                                      continuous_update=True, style=_WIDE)
        self.position.add_class("gae-explore-position")
        self.redraw_button = w.Button(description="Redraw ends", icon="refresh")
        self._endpoints()
        self._observe(self.start_dropdown, self._classes_changed)
        self._observe(self.end_dropdown, self._classes_changed)
        self._observe(self.position, self.update)
        self.redraw_button.on_click(self._guard(lambda _: self.redraw()))
        self.widget = w.VBox([w.HBox([self.start_dropdown, self.end_dropdown,
                                      self.redraw_button]),
                              self.position, self.image, self.status, self.log])
        self.widget.add_class("gae-explore-morph")
        self.update()

    def _endpoints(self):
        i, j = self.start_dropdown.value, self.end_dropdown.value
        self.start_code = sample_with_temperature(self.gmm.gmms_[i], 1,
                                                  random_state=[self.seed, self.draw, i, 0])[0]
        self.end_code = sample_with_temperature(self.gmm.gmms_[j], 1,
                                                random_state=[self.seed, self.draw, j, 1])[0]

    def _classes_changed(self):
        self._endpoints()
        self.update()

    def redraw(self):
        """New end points for the same classes (what Redraw does)."""
        self.draw += 1
        self._classes_changed()

    def _render(self):
        t = float(self.position.value)
        self.code = (1 - t) * self.start_code + t * self.end_code
        self.image_array = self.decode(self.code[None])[0]
        self.proba = self.gmm.predict_proba(self.code[None])[0]
        self.rejected = bool(self.gmm.reject(self.code[None])[0]) if self._rejecting else None
        judge = self._judge(self.image_array[None])
        self.judge = None if judge is None else (int(judge[0].argmax()), float(judge[0].max()))
        i, j = self.start_dropdown.value, self.end_dropdown.value
        if self._fig is None:
            n = len(self.class_names)
            self._fig = fig = _figure(5.6, max(2.4, 0.2 * (n + 1) + 0.9))
            self._picture = _ImagePanel(fig.add_axes((0.02, 0.06, 0.36, 0.7)),
                                        self.image_array.shape)
            self._bars = _BarPanel(fig.add_axes((0.55, 0.1, 0.42, 0.72)), self.class_names,
                                   self._rejecting, "p(class | code)")
            self._title = fig.suptitle("", fontsize=10, y=0.98)
        self._picture.set(self.image_array, self._verdict(),
                          color="tab:red" if self.rejected else "black")
        self._bars.set(self.proba, self.rejected)
        self._title.set_text(f"{self.class_names[i]} \u2192 {self.class_names[j]} at {t:.2f}")
        return self._fig

    def _verdict(self):
        best = int(np.argmax(self.proba))
        text = (f"none (nearest {self.class_names[best]})" if self.rejected
                else f"{self.class_names[best]} ({self.proba[best]:.2f})")
        if self.judge is not None:
            text += f"\njudge: {self.class_names[self.judge[0]]} ({self.judge[1]:.2f})"
        return text

    def summary(self):
        i, j = self.start_dropdown.value, self.end_dropdown.value
        best = int(np.argmax(self.proba))
        text = (f"{self.kind}: {self.class_names[i]} -> {self.class_names[j]} at position "
                f"{self.position.value:.2f}; GMMs say ")
        text += (f"none (nearest {self.class_names[best]}, p={self.proba[best]:.2f})"
                 if self.rejected else f"{self.class_names[best]} (p={self.proba[best]:.2f})")
        if self.judge is not None:
            text += f"; judge says {self.class_names[self.judge[0]]} (p={self.judge[1]:.2f})"
        return text

    def _latency_steps(self):
        steps = [lambda t=t: setattr(self.position, "value", t)
                 for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
        n = len(self.class_names)
        steps.append(lambda: setattr(self.end_dropdown, "value",
                                     (self.end_dropdown.value + 1) % n))
        return steps


class StylesExplorer(_Explorer):
    """One component of a class's GMM, moved along its first principal axis (section
    "Explore").

    The code is ``mean + s * sqrt(lambda1) * v1``: ``s`` (the slider, -3..+3) standard
    deviations along the eigenvector ``v1`` of the component's covariance with the largest
    eigenvalue ``lambda1`` (see :func:`principal_axis`). Components are listed by weight.
    The figure shows the image at ``s`` beside a strip at s = -3, -2, ..., +3.

    Attributes
    ----------
    class_dropdown, component_dropdown, position : ipywidgets
    code, image_array, strip : the current state
    widget : ipywidgets.VBox
    """

    kind = "Styles explorer"
    STRIP = (-3, -2, -1, 0, 1, 2, 3)

    def __init__(self, decode, gmm, class_names, *, judge_proba=None, class_label=None,
                 seed: int = 0):
        super().__init__(decode, gmm, class_names, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        start = 0 if class_label is None else self._class_index(class_label)
        self._syncing = False
        self.class_dropdown = w.Dropdown(options=self._class_options(), value=start,
                                         description="class", **_DROPDOWN)
        self.component_dropdown = w.Dropdown(options=self._component_options(start),
                                             description="component", **_DROPDOWN)
        self.position = w.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25,
                                      description="std along axis 1", readout_format="+.2f",
                                      continuous_update=True, style=_WIDE)
        self._observe(self.class_dropdown, self._class_changed)
        self._observe(self.component_dropdown, self._component_changed)
        self._observe(self.position, self.update)
        self.widget = w.VBox([w.HBox([self.class_dropdown, self.component_dropdown]),
                              self.position, self.image, self.status, self.log])
        self.widget.add_class("gae-explore-styles")
        self.update()

    def _component_options(self, k):
        weights = self.gmm.gmms_[k].weights_
        order = np.argsort(-weights, kind="stable")
        return [(f"{rank + 1}: weight {weights[c]:.2f}", int(c)) for rank, c in enumerate(order)]

    def _class_changed(self):
        self._syncing = True
        try:
            options = self._component_options(self.class_dropdown.value)
            self.component_dropdown.options = options
            self.component_dropdown.value = options[0][1]
        finally:
            self._syncing = False
        self.update()

    def _component_changed(self):
        if not self._syncing:
            self.update()

    def axis(self):
        """``(mean, v1, sqrt(lambda1))`` of the selected component."""
        return principal_axis(self.gmm.gmms_[self.class_dropdown.value],
                              self.component_dropdown.value)

    def _render(self):
        mean, v1, std = self.axis()
        s = float(self.position.value)
        self.code = mean + s * std * v1
        strip_codes = mean[None] + np.array(self.STRIP, float)[:, None] * std * v1[None]
        decoded = self.decode(np.vstack([self.code[None], strip_codes]))
        self.image_array, self.strip = decoded[0], decoded[1:]
        k, c = self.class_dropdown.value, self.component_dropdown.value
        weight = self.gmm.gmms_[k].weights_[c]
        if self._fig is None:
            self._fig = fig = _figure(7.2, 2.2)
            shape = self.image_array.shape
            self._picture = _ImagePanel(fig.add_axes((0.01, 0.05, 0.2, 0.72)), shape)
            self._strip = [_ImagePanel(fig.add_axes((0.25 + i * 0.107, 0.2, 0.1, 0.5)), shape,
                                       f"{value:+d}", fontsize=8)
                           for i, value in enumerate(self.STRIP)]
            self._title = fig.suptitle("", fontsize=9, y=0.98)
        self._picture.set(self.image_array, f"s = {s:+.2f}")
        for panel, value, image in zip(self._strip, self.STRIP, self.strip):
            near = abs(value - s) < 0.5
            panel.set(image, color="tab:red" if near else "black")
            panel.frame("tab:red" if near else None)
        self._title.set_text(f"class {self.class_names[k]}, component of weight {weight:.2f}: "
                             f"first principal axis (std {std:.2f})")
        return self._fig

    def summary(self):
        k, c = self.class_dropdown.value, self.component_dropdown.value
        weights = self.gmm.gmms_[k].weights_
        rank = int(np.sum(weights > weights[c])) + 1
        return (f"{self.kind}: class {self.class_names[k]}, component {rank} of "
                f"{len(weights)} by weight (weight {weights[c]:.2f}), position "
                f"{self.position.value:+.2f} std along its first principal axis")

    def _latency_steps(self):
        steps = [lambda s=s: setattr(self.position, "value", s)
                 for s in (-3.0, -1.5, 0.0, 1.5, 3.0)]
        steps.append(lambda: setattr(self.component_dropdown, "value",
                                     self.component_dropdown.options[-1][1]))
        return steps


class DrawExplorer(_Explorer):
    """Draw on a pad; the drawing is classified by the mixtures (section "Explore").

    An ipycanvas ``Canvas`` of ``pad_size`` pixels (white strokes on black, drawn with the
    mouse; Clear wipes it). On mouse-up, and whenever the pad's synced image changes while
    the mouse is up, the drawing is read with ``get_image_data`` and passed to
    :meth:`classify_drawing`: scaled to the dataset's image size (:func:`prepare_drawing`),
    encoded, classified, and shown as the image the model sees, its reconstruction and the
    class probabilities with the reject verdict.

    Parameters
    ----------
    decode, gmm, class_names, judge_proba, seed : as :class:`SamplerExplorer`
    encode : callable
        ``encode(images) -> codes`` for images ``(n, 1, h, w)`` in [0, 1], e.g.
        ``lambda x: gae_helpers.autoencoder.encode(autoencoder, x)``.
    pad_size : int
        Side of the drawing pad in screen pixels.
    line_width : float, optional
        Pen width; default about a stroke's width in the dataset at pad scale.
    fit_box : "auto", float or None
        See :func:`prepare_drawing`.
    example : array, optional
        An image ``(h, w)`` in [0, 1] put on the pad and classified at the start (so the
        first state, e.g. in a static PNG, shows something); default an empty pad.

    Attributes
    ----------
    canvas : ipycanvas.Canvas
    clear_button : ipywidgets.Button
    result : dict or None
        ``image`` (h, w), ``code``, ``proba``, ``label`` (a class name or "none"),
        ``rejected`` (None without thresholds), ``judge`` of the latest classification.
    widget : ipywidgets.VBox
    """

    kind = "Draw explorer"

    def __init__(self, decode, gmm, class_names, encode, *, judge_proba=None,
                 pad_size: int = 196, line_width=None, fit_box="auto", example=None,
                 seed: int = 0):
        from ipycanvas import Canvas

        super().__init__(decode, gmm, class_names, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        self._encode_fn = encode
        self.image_shape = self.decode(gmm.gmms_[0].means_[:1]).shape[1:]
        self.pad_size, self.fit_box = int(pad_size), fit_box
        side = max(self.image_shape)
        if line_width is None:
            line_width = round(self.pad_size * (0.13 if side < 16 else 0.085))
        self.line_width = float(line_width)
        self.canvas = Canvas(width=self.pad_size, height=self.pad_size, sync_image_data=True,
                             layout=w.Layout(width=f"{self.pad_size}px",
                                             height=f"{self.pad_size}px"))
        self.canvas.add_class("gae-explore-pad")
        self.clear_button = w.Button(description="Clear", icon="eraser")
        self.result = None
        self._drawing, self._last, self._seen = False, None, None
        self._blank_pad()
        self.canvas.on_mouse_down(self._guard(self._mouse_down))
        self.canvas.on_mouse_move(self._guard(self._mouse_move))
        self.canvas.on_mouse_up(self._guard(self._mouse_up))
        self.canvas.on_mouse_out(self._guard(self._mouse_out))
        self.canvas.observe(self._guard(self._image_data_changed), names="image_data")
        self.clear_button.on_click(self._guard(lambda _: self.clear()))
        self.widget = w.VBox([w.HBox([w.VBox([self.canvas, self.clear_button]), self.image]),
                              self.status, self.log])
        self.widget.add_class("gae-explore-draw")
        if example is not None:
            self._put_example(example)
        else:
            self.update()

    # -- the pad --------------------------------------------------------------------------
    def _blank_pad(self):
        c = self.canvas
        c.clear()
        c.fill_style = "black"
        c.fill_rect(0, 0, self.pad_size, self.pad_size)
        c.stroke_style = "white"
        c.fill_style = "white"
        c.line_width = self.line_width
        c.line_cap = "round"
        c.line_join = "round"

    def _put_example(self, example):
        image = as_gray_images(example)[0]
        big = torch.nn.functional.interpolate(torch.from_numpy(image)[None, None],
                                              size=(self.pad_size, self.pad_size),
                                              mode="bilinear", align_corners=False)[0, 0]
        gray = (big.clamp(0, 1).numpy() * 255).astype(np.uint8)
        self.canvas.put_image_data(np.stack([gray] * 3, axis=-1), 0, 0)
        self.classify_drawing(gray)

    def _mouse_down(self, x, y):
        self._drawing, self._last = True, (x, y)
        self.canvas.fill_circle(x, y, self.line_width / 2)

    def _mouse_move(self, x, y):
        if self._drawing and self._last is not None:
            self.canvas.stroke_line(self._last[0], self._last[1], x, y)
            self._last = (x, y)

    def _mouse_up(self, x, y):
        if self._drawing:
            self._mouse_move(x, y)
        self._drawing, self._last = False, None
        self.classify_canvas()

    def _mouse_out(self, x, y):
        if self._drawing:
            self._mouse_up(x, y)

    def _image_data_changed(self, change):
        # The synced image arrives after the draw commands: classify once it settles.
        if not self._drawing:
            self.classify_canvas()

    def clear(self):
        """Wipe the pad and the result (what Clear does)."""
        self._blank_pad()
        self.result, self._seen = None, None
        self.update()

    def classify_canvas(self):
        """Classify what the pad's synced image holds now; None if nothing came yet."""
        data = self.canvas.image_data
        if data is None or data == self._seen:
            return self.result
        self._seen = data
        array = self.canvas.get_image_data()
        if array[..., :3].max() < 26:  # an empty pad: nothing to classify
            self.result = None
            self.update()
            return None
        return self.classify_drawing(array)

    # -- classification -------------------------------------------------------------------
    def prepare(self, drawing) -> torch.Tensor:
        """The drawing as the model sees it, ``(1, c, h, w)`` (see :func:`prepare_drawing`)."""
        return prepare_drawing(drawing, self.image_shape, self.fit_box)

    def classify_drawing(self, drawing, show: bool = True) -> dict:
        """Classify a drawing (an array as :func:`prepare_drawing` takes) and show it (unless
        ``show`` is False: then only ``result`` is set, without redrawing)."""
        image = self.prepare(drawing)
        with _one_torch_thread():
            code = np.asarray(self._encode_fn(image), dtype=np.float64)
        proba = self.gmm.predict_proba(code)[0]
        rejected = bool(self.gmm.reject(code)[0]) if self._rejecting else None
        best = int(np.argmax(proba))
        judge = self._judge(as_gray_images(image))
        self.result = {
            "image": as_gray_images(image)[0], "code": code[0], "proba": proba, "rejected": rejected,
            "label": "none" if rejected else self.class_names[best],
            "judge": None if judge is None else (self.class_names[int(judge[0].argmax())],
                                                 float(judge[0].max())),
        }
        if show:
            self.update()
        return self.result

    def _render(self):
        if self._fig is None:
            n = len(self.class_names)
            self._fig = fig = _figure(5.6, max(2.4, 0.2 * (n + 1) + 0.9))
            shape = self.image_shape[:2]
            self._input = _ImagePanel(fig.add_axes((0.01, 0.42, 0.2, 0.4)), shape,
                                      "model input", fontsize=8)
            self._output = _ImagePanel(fig.add_axes((0.24, 0.42, 0.2, 0.4)), shape,
                                       "reconstruction", fontsize=8)
            self._bars = _BarPanel(fig.add_axes((0.58, 0.1, 0.39, 0.72)), self.class_names,
                                   self._rejecting, "p(class | drawing)")
            self._verdict_text = fig.text(0.23, 0.14, "", ha="center", fontsize=10)
        r = self.result
        if r is None:
            blank = np.zeros(self.image_shape[:2], dtype=np.float32)
            self._input.set(blank)
            self._output.set(blank)
            self._bars.set(np.zeros(len(self.class_names)), False)
            self._verdict_text.set_text("draw on the pad")
            self._verdict_text.set_color("black")
            return self._fig
        self._input.set(r["image"])
        self._output.set(self.decode(r["code"][None])[0])
        self._bars.set(r["proba"], r["rejected"])
        best = int(np.argmax(r["proba"]))
        verdict = (f"none (nearest {self.class_names[best]})" if r["rejected"]
                   else f"{r['label']} ({r['proba'][best]:.2f})")
        if r["judge"] is not None:
            verdict += f"\njudge: {r['judge'][0]} ({r['judge'][1]:.2f})"
        self._verdict_text.set_text(verdict)
        self._verdict_text.set_color("tab:red" if r["rejected"] else "black")
        return self._fig

    def summary(self):
        h, w = self.image_shape[:2]
        if self.result is None:
            return (f"{self.kind}: an empty {self.pad_size}x{self.pad_size} pad; a drawing is "
                    f"scaled to {h}x{w}, encoded and classified (needs a running kernel)")
        r = self.result
        best = int(np.argmax(r["proba"]))
        text = f"{self.kind}: drawing scaled to {h}x{w}, classified as "
        text += (f"none (nearest {self.class_names[best]}, p={r['proba'][best]:.2f})"
                 if r["rejected"] else f"{r['label']} (p={r['proba'][best]:.2f})")
        if r["judge"] is not None:
            text += f"; judge says {r['judge'][0]} (p={r['judge'][1]:.2f})"
        return text

    def _latency_steps(self):
        rng = np.random.default_rng(self.seed)
        drawings = []
        for _ in range(4):
            pad = np.zeros((self.pad_size, self.pad_size), dtype=np.uint8)
            y0, x0 = rng.integers(20, self.pad_size - 60, size=2)
            pad[y0:y0 + 40, x0:x0 + 12] = 255
            pad[y0:y0 + 12, x0:x0 + 40] = 255
            drawings.append(pad)
        return [lambda d=d: self.classify_drawing(d) for d in drawings]


# ---------------------------------------------------------------------------------------------

def measure_latency(explorer, n: int = 20) -> dict:
    """Time ``n`` widget changes of an explorer (each runs its callback and redraw).

    The changes cycle through the explorer's typical ones (slider positions, a class or
    component, a resample, a drawing); the widgets are put back afterwards. Returns
    ``{"explorer", "n", "median_ms", "max_ms"}``.
    """
    saved = _snapshot(explorer)
    steps = explorer._latency_steps()
    times = []
    for i in range(int(n)):
        start = time.perf_counter()
        steps[i % len(steps)]()
        times.append(time.perf_counter() - start)
    _restore(explorer, saved)
    times = np.array(times) * 1000
    return {"explorer": type(explorer).__name__, "n": int(n),
            "median_ms": float(np.median(times)), "max_ms": float(times.max())}


_STATE_WIDGETS = ("class_dropdown", "temperature", "start_dropdown", "end_dropdown",
                  "component_dropdown", "position")


def _snapshot(explorer):
    state = {name: getattr(explorer, name).value for name in _STATE_WIDGETS
             if hasattr(explorer, name)}
    return state, getattr(explorer, "draw", None), getattr(explorer, "result", None)


def _restore(explorer, saved):
    state, draw, result = saved
    if draw is not None:
        explorer.draw = draw
    if isinstance(explorer, MorphExplorer):
        explorer.start_dropdown.value = state["start_dropdown"]
        explorer.end_dropdown.value = state["end_dropdown"]
        explorer._endpoints()
    for name, value in state.items():
        if name == "component_dropdown":
            continue
        getattr(explorer, name).value = value
    if "component_dropdown" in state:
        explorer.component_dropdown.value = state["component_dropdown"]
    if isinstance(explorer, DrawExplorer):
        explorer.result = result
    explorer.update()
