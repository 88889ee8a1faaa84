"""What every explorer shares (section "Explore"): its inputs, guarded widget callbacks, the
redraw of its PNG and its three representations when displayed."""

from __future__ import annotations

import base64
import contextlib
import html
import traceback

import numpy as np
import torch

from gae_helpers.plots.figures import as_gray_images
from gae_helpers.explore.panels import png

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDE = {"description_width": "initial"}  # labels in full, not cut short
DROPDOWN = {"style": WIDE, "layout": {"width": "15em"}}


@contextlib.contextmanager
def one_torch_thread():
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


class Explorer:
    """The base of the explorers: inputs, guarded callbacks, rendering, display.

    A subclass builds its widgets and ``widget`` (the container), draws its figure in
    ``_render`` and describes its state in :meth:`summary`.
    """

    kind = "Explorer"

    def __init__(self, decode, gmm, class_names, *, calibrated=None, none=None,
                 judge_proba=None, seed: int = 0):
        import ipywidgets as widgets

        if not hasattr(gmm, "gmms_"):
            raise ValueError("gmm must be a fitted GMMClassifier (call fit first).")
        if none is not None and not hasattr(none, "thresholds_"):
            raise ValueError("none must be a fitted ClassOutlierDetector (call fit first).")
        self._decode_fn = decode
        self.gmm = gmm
        self.calibrated = gmm if calibrated is None else calibrated
        self.none = none
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
        with one_torch_thread():
            return as_gray_images(self._decode_fn(codes))

    def _judge(self, images):
        """The judge's probabilities ``(n, n_classes)`` for images ``(n, h, w)``, or None."""
        if self.judge_proba is None:
            return None
        batch = torch.from_numpy(np.ascontiguousarray(images[:, None], dtype=np.float32))
        with one_torch_thread():
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
        return self.none is not None

    def _classify(self, code):
        """The mixtures' verdict on one code: ``(proba, rejected)``: the probabilities of
        ``calibrated`` (the class GMMs, or their temperature scaling), ``rejected`` by the
        ``none`` rule (:class:`ClassOutlierDetector`), None without one."""
        proba = self.calibrated.predict_proba(code[None])[0]
        rejected = bool(self.none.predict(code[None])[0] == -1) if self._rejecting else None
        return proba, rejected

    def _verdict(self, proba, rejected, judge=None, caption=False) -> str:
        """The mixtures' verdict, and the judge's ``(name, p)`` if given: as a figure caption
        ("3 (0.91)", "none (nearest 3)", the judge on a second line) or as summary text."""
        best = int(np.argmax(proba))
        name, p = self.class_names[best], f"{proba[best]:.2f}"
        if caption:
            text = f"none (nearest {name})" if rejected else f"{name} ({p})"
            return text + (f"\njudge: {judge[0]} ({judge[1]:.2f})" if judge else "")
        text = f"none (nearest {name}, p={p})" if rejected else f"{name} (p={p})"
        return text + (f"; judge says {judge[0]} (p={judge[1]:.2f})" if judge else "")

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
        self.image.value = png(fig)
        if self.image.layout.width is None:
            self.image.layout.width = f"{round(fig.get_figwidth() * fig.dpi)}px"
        self.status.value = f"<code>{html.escape(self.summary())}</code>"
        self.updates += 1

    def _render(self):
        raise NotImplementedError

    def summary(self) -> str:
        """One deterministic line describing the current state (the ``text/plain`` output)."""
        raise NotImplementedError

    # -- display --------------------------------------------------------------------------
    def static_png(self) -> bytes:
        """The PNG the widget shows now (the first state right after construction)."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
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
