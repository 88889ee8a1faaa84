"""The sketch explorer: a drawing pad (ipycanvas) whose drawing is scaled to the dataset's image
size, encoded and classified by the mixtures (section "Explore")."""

from __future__ import annotations

import numpy as np
import torch

from gae_helpers.plots.figures import as_gray_images
from gae_helpers.explore.base import Explorer, one_torch_thread
from gae_helpers.explore.sketching import prepare_sketch
from gae_helpers.explore.panels import BarPanel, ImagePanel, classifier_figure


class SketchExplorer(Explorer):
    """Draw on a pad; the drawing is classified by the mixtures (section "Explore").

    An ipycanvas ``Canvas`` of ``pad_size`` pixels (white strokes on black, drawn with the
    mouse; Clear wipes it). On mouse-up, and whenever the pad's synced image changes while
    the mouse is up, the drawing is read with ``get_image_data`` and passed to
    :meth:`classify_sketch`: scaled to the dataset's image size
    (:func:`~gae_helpers.explore.sketching.prepare_sketch`), encoded, classified, and shown as
    the image the model sees, its reconstruction and the class probabilities with the reject
    verdict (the rule of :class:`~gae_helpers.explore.morph.MorphExplorer`).

    Parameters
    ----------
    decode, gmm, class_names, calibrated, none, judge_proba, seed : as :class:`SamplerExplorer`
    encode : callable
        ``encode(images) -> codes`` for images ``(n, 1, h, w)`` in [0, 1], e.g.
        ``lambda x: gae_helpers.models.autoencoder.encode(autoencoder, x)``.
    pad_size : int
        Side of the drawing pad in screen pixels.
    line_width : float, optional
        Pen width; default about a stroke's width in the dataset at pad scale.
    fit_box : "auto", float or None
        See :func:`~gae_helpers.explore.sketching.prepare_sketch`.
    example : array, optional
        An image ``(h, w)`` in [0, 1] put on the pad and classified at the start (so the
        first state, e.g. in a static PNG, shows something); default an empty pad.

    Attributes
    ----------
    canvas : ipycanvas.Canvas
    clear_button : ipywidgets.Button
    result : dict or None
        ``image`` (h, w), ``code``, ``proba``, ``label`` (a class name or "none"),
        ``rejected`` (None without ``none``), ``judge`` of the latest classification.
    widget : ipywidgets.VBox
    """

    kind = "Sketch explorer"

    def __init__(self, decode, gmm, class_names, encode, *, calibrated=None, none=None, judge_proba=None,
                 pad_size: int = 196, line_width=None, fit_box="auto", example=None,
                 seed: int = 0):
        from ipycanvas import Canvas

        super().__init__(decode, gmm, class_names, calibrated=calibrated, none=none, judge_proba=judge_proba, seed=seed)
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
        self.widget.add_class("gae-explore-sketch")
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
        self.classify_sketch(gray)

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
        return self.classify_sketch(array)

    # -- classification -------------------------------------------------------------------
    def prepare(self, drawing) -> torch.Tensor:
        """The drawing as the model sees it, ``(1, c, h, w)`` (see :func:`prepare_sketch`)."""
        return prepare_sketch(drawing, self.image_shape, self.fit_box)

    def classify_sketch(self, drawing, show: bool = True) -> dict:
        """Classify a drawing (an array as :func:`prepare_sketch` takes) and show it (unless
        ``show`` is False: then only ``result`` is set, without redrawing)."""
        image = self.prepare(drawing)
        with one_torch_thread():
            code = np.asarray(self._encode_fn(image), dtype=np.float64)
        proba, rejected = self._classify(code[0])
        best = int(np.argmax(proba))
        judge = self._judge(as_gray_images(image))
        self.result = {
            "image": as_gray_images(image)[0], "code": code[0], "proba": proba,
            "rejected": rejected,
            "label": "none" if rejected else self.class_names[best],
            "judge": None if judge is None else (self.class_names[int(judge[0].argmax())],
                                                 float(judge[0].max())),
        }
        if show:
            self.update()
        return self.result

    def _render(self):
        if self._fig is None:
            self._fig = fig = classifier_figure(len(self.class_names))
            shape = self.image_shape[:2]
            self._input = ImagePanel(fig.add_axes((0.01, 0.42, 0.2, 0.4)), shape,
                                     "model input", fontsize=8)
            self._output = ImagePanel(fig.add_axes((0.24, 0.42, 0.2, 0.4)), shape,
                                      "reconstruction", fontsize=8)
            self._bars = BarPanel(fig.add_axes((0.58, 0.1, 0.39, 0.72)), self.class_names,
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
        self._verdict_text.set_text(self._verdict(r["proba"], r["rejected"], r["judge"],
                                                  caption=True))
        self._verdict_text.set_color("tab:red" if r["rejected"] else "black")
        return self._fig

    def summary(self):
        h, w = self.image_shape[:2]
        if self.result is None:
            return (f"{self.kind}: an empty {self.pad_size}x{self.pad_size} pad; a drawing is "
                    f"scaled to {h}x{w}, encoded and classified (needs a running kernel)")
        r = self.result
        return (f"{self.kind}: drawing scaled to {h}x{w}, classified as "
                + self._verdict(r["proba"], r["rejected"], r["judge"]))
