"""The morph explorer: the straight line between a code of one class and one of another, the
image there and the mixtures' verdict, "none" included (section "Explore")."""

from __future__ import annotations

import textwrap

from gae_helpers.measure.sampling import sample_with_spread
from gae_helpers.explore.base import DROPDOWN, WIDE, Explorer
from gae_helpers.explore.panels import BarPanel, ImagePanel, classifier_figure

CAPTION_INCHES = 0.4  # below the figure, for the rule of "none"


class MorphExplorer(Explorer):
    """Morph one class into another along a straight line in latent space (section "Explore").

    A code is drawn from each class's GMM (seeded by ``(seed, draw, class, end)``, drawn again
    when a class changes or on Redraw); the position slider walks the line between them. The
    image decoded there is shown beside the mixtures' class probabilities, with "none" marked
    in red where the reject option rejects the code.

    The rule for "none" is ``none``, a fitted
    :class:`~gae_helpers.mixtures.outliers.ClassOutlierDetector`, and a caption under the
    figure says so (its :meth:`~gae_helpers.mixtures.outliers.ClassOutlierDetector.describe`):
    "none" when the code's log-likelihood under the class it would be given is below that
    class's threshold, the ``quantile`` (e.g. 1%) of that class's held-out log-likelihoods. It
    is not the score section 8 rejects images by (``reject_score``, by default likelihood and
    reconstruction error combined): that one needs an image, and here there is only a code.
    Without ``none`` there is no "none" row.

    Parameters are those of :class:`SamplerExplorer`, plus ``start`` and ``end``: the classes
    (members of ``gmm.classes_``) to begin with, and ``position`` the slider's first value.

    Attributes
    ----------
    start_dropdown, end_dropdown, position, redraw_button : ipywidgets
    start_code, end_code, code, image_array, proba, rejected, judge : the current state
    widget : ipywidgets.VBox
    """

    kind = "Morph explorer"

    def __init__(self, decode, gmm, class_names, *, calibrated=None, none=None, judge_proba=None, start=None, end=None,
                 position: float = 0.5, seed: int = 0):
        super().__init__(decode, gmm, class_names, calibrated=calibrated, none=none, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        n = len(self.class_names)
        i = 0 if start is None else self._class_index(start)
        j = (i + 1) % n if end is None else self._class_index(end)
        self.draw = 0
        self.start_dropdown = w.Dropdown(options=self._class_options(), value=i,
                                         description="from", **DROPDOWN)
        self.end_dropdown = w.Dropdown(options=self._class_options(), value=j,
                                       description="to", **DROPDOWN)
        self.position = w.FloatSlider(value=float(position), min=0.0, max=1.0, step=0.05,
                                      description="position", readout_format=".2f",
                                      continuous_update=True, style=WIDE)
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
        self.start_code = sample_with_spread(self.gmm.gmms_[i], 1,
                                             random_state=[self.seed, self.draw, i, 0])[0]
        self.end_code = sample_with_spread(self.gmm.gmms_[j], 1,
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
        self.proba, self.rejected = self._classify(self.code)
        judge = self._judge(self.image_array[None])
        self.judge = None if judge is None else (int(judge[0].argmax()), float(judge[0].max()))
        i, j = self.start_dropdown.value, self.end_dropdown.value
        if self._fig is None:
            self._build_figure()
        self._picture.set(self.image_array, self._verdict(self.proba, self.rejected,
                                                          self._judge_named(), caption=True),
                          color="tab:red" if self.rejected else "black")
        self._bars.set(self.proba, self.rejected)
        self._title.set_text(f"{self.class_names[i]} \u2192 {self.class_names[j]} at {t:.2f}")
        return self._fig

    def _build_figure(self):
        bottom = CAPTION_INCHES if self._rejecting else 0.0
        self._fig = fig = classifier_figure(len(self.class_names), bottom)
        height = fig.get_figheight()
        above = height - bottom

        def rect(x, y, w, h):  # in fractions of the figure above the caption
            return (x, (bottom + y * above) / height, w, h * above / height)

        self._picture = ImagePanel(fig.add_axes(rect(0.02, 0.06, 0.36, 0.7)),
                                   self.image_array.shape)
        self._bars = BarPanel(fig.add_axes(rect(0.55, 0.1, 0.42, 0.72)), self.class_names,
                              self._rejecting, "p(class | code)")
        self._title = fig.suptitle("", fontsize=10, y=(bottom + 0.98 * above) / height)
        if bottom:
            fig.text(0.02, 0.04 / height, textwrap.fill(self.none.describe(), 100),
                     fontsize=7, color="0.3", va="bottom")

    def _judge_named(self):
        return None if self.judge is None else (self.class_names[self.judge[0]], self.judge[1])

    def summary(self):
        i, j = self.start_dropdown.value, self.end_dropdown.value
        return (f"{self.kind}: {self.class_names[i]} -> {self.class_names[j]} at position "
                f"{self.position.value:.2f}; GMMs say "
                + self._verdict(self.proba, self.rejected, self._judge_named()))
