"""The styles explorer: one component of a class's GMM, moved along its first principal axis
(section "Explore")."""

from __future__ import annotations

import numpy as np

from gae_helpers.measure.sampling import principal_axis
from gae_helpers.explore.base import DROPDOWN, WIDE, Explorer
from gae_helpers.explore.panels import ImagePanel, figure


class StylesExplorer(Explorer):
    """One component of a class's GMM, moved along its first principal axis (section
    "Explore").

    The code is ``mean + s * sqrt(lambda1) * v1``: ``s`` (the slider, -3..+3) standard
    deviations along the eigenvector ``v1`` of the component's covariance with the largest
    eigenvalue ``lambda1`` (see :func:`gae_helpers.measure.sampling.principal_axis`). Components are
    listed by weight. The figure shows the image at ``s`` beside a strip at s = -3, -2, ...,
    +3.

    Parameters are those of :class:`SamplerExplorer` (``decode``, ``gmm``, ``class_names``,
    ``calibrated``, ``none``, ``judge_proba``, ``class_label``, ``seed``).

    Attributes
    ----------
    class_dropdown, component_dropdown, position : ipywidgets
    code, image_array, strip : the current state
    widget : ipywidgets.VBox
    """

    kind = "Styles explorer"
    STRIP = (-3, -2, -1, 0, 1, 2, 3)

    def __init__(self, decode, gmm, class_names, *, calibrated=None, none=None, judge_proba=None, class_label=None,
                 seed: int = 0):
        super().__init__(decode, gmm, class_names, calibrated=calibrated, none=none, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        start = 0 if class_label is None else self._class_index(class_label)
        self._syncing = False
        self.class_dropdown = w.Dropdown(options=self._class_options(), value=start,
                                         description="class", **DROPDOWN)
        self.component_dropdown = w.Dropdown(options=self._component_options(start),
                                             description="component", **DROPDOWN)
        self.position = w.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25,
                                      description="std along axis 1", readout_format="+.2f",
                                      continuous_update=True, style=WIDE)
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
            self._fig = fig = figure(7.2, 2.2)
            shape = self.image_array.shape
            self._picture = ImagePanel(fig.add_axes((0.01, 0.05, 0.2, 0.72)), shape)
            self._strip = [ImagePanel(fig.add_axes((0.25 + i * 0.107, 0.2, 0.1, 0.5)), shape,
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
