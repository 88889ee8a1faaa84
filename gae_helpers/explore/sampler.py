"""The sampler explorer: decoded samples of one class's GMM at a chosen spread (section
"Explore")."""

from __future__ import annotations

import numpy as np

from gae_helpers.measure.sampling import sample_with_spread
from gae_helpers.explore.base import DROPDOWN, WIDE, Explorer
from gae_helpers.explore.panels import ImagePanel, figure, tile


class SamplerExplorer(Explorer):
    """Decoded samples of one class's GMM, with a spread (section "Explore").

    The spread multiplies the covariances of the class's components (see
    :func:`gae_helpers.measure.sampling.sample_with_spread`): 1 samples the GMM as fitted, 0 gives the
    components' means, 2 puts samples sqrt(2) times as far from their means. It is not the
    calibration's temperature, which divides log-posteriors.

    Parameters
    ----------
    decode : callable
        ``decode(codes) -> images`` of shape ``(n, 1, h, w)`` in [0, 1], e.g.
        ``lambda z: gae_helpers.models.autoencoder.decode(autoencoder, z)``.
    gmm : GMMClassifier
        Fitted; ``class_names[k]`` names ``gmm.classes_[k]``.
    class_names : sequence of str
    calibrated : classifier, optional
        Fitted, over ``gmm``: its ``predict_proba`` gives the class probabilities shown (e.g.
        :func:`gae_helpers.measure.calibration.temperature_scaled`); ``gmm`` itself by default.
    none : ClassOutlierDetector, optional
        Fitted, over ``gmm``: the rule for "none" (:mod:`gae_helpers.mixtures.outliers`);
        without it nothing is called "none".
    judge_proba : callable, optional
        ``judge_proba(images) -> (n, n_classes)`` probabilities of a classifier independent of
        the mixtures (columns in the order of ``class_names``); each sample is captioned with
        its verdict (green: the class sampled, red: another).
    n_samples, ncols : int
        Images per draw, and per row of the grid.
    seed : int
        Draw ``i`` (0 at first, +1 per Resample) of class ``k`` uses seed ``(seed, i, k)``:
        the same draw at every spread.
    class_label : optional
        The class shown first, a member of ``gmm.classes_`` (default the first).

    The dropdowns' values are class indices ``k`` (``gmm.classes_[k]``, named
    ``class_names[k]``); set ``explorer.class_dropdown.value = k`` to drive one from Python.

    Attributes
    ----------
    class_dropdown, spread, resample_button : ipywidgets
        ``spread`` is the slider (0 to 3).
    codes, components, images : the current draw
    verdicts : (names, probabilities) of the judge, or None
    widget : ipywidgets.VBox
    """

    kind = "Sampler explorer"

    def __init__(self, decode, gmm, class_names, *, calibrated=None, none=None, judge_proba=None, n_samples: int = 10,
                 ncols: int = 10, seed: int = 0, class_label=None):
        super().__init__(decode, gmm, class_names, calibrated=calibrated, none=none, judge_proba=judge_proba, seed=seed)
        w = self._widgets
        self.n_samples, self.ncols, self.draw = int(n_samples), int(ncols), 0
        start = 0 if class_label is None else self._class_index(class_label)
        self.class_dropdown = w.Dropdown(options=self._class_options(), value=start,
                                         description="class", **DROPDOWN)
        self.spread = w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1,
                                    description="spread", readout_format=".1f",
                                    continuous_update=True, style=WIDE)
        self.resample_button = w.Button(description="Resample", icon="refresh")
        self._observe(self.class_dropdown, self.update)
        self._observe(self.spread, self.update)
        self.resample_button.on_click(self._guard(lambda _: self.resample()))
        self.widget = w.VBox([w.HBox([self.class_dropdown, self.spread,
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
        self.codes, self.components = sample_with_spread(
            self.gmm.gmms_[k], self.n_samples, self.spread.value,
            random_state=[self.seed, self.draw, k], return_components=True)
        self.images = self.decode(self.codes)
        proba = self._judge(self.images)
        self.verdicts = None if proba is None else (proba.argmax(1), proba.max(1))
        ncols = max(1, min(self.ncols, self.n_samples))
        h, w = self.images.shape[1:3]
        pad, gap = 1, (int(np.ceil(0.4 * h)) if self.judge_proba is not None else 0)
        grid = tile(self.images, ncols, pad, gap)
        if self._fig is None:
            inch = 0.85 / (w + pad)
            width, height = grid.shape[1] * inch + 0.2, grid.shape[0] * inch + 0.35
            self._fig = fig = figure(width, height)
            ax = fig.add_axes((0.1 / width, 0.05 / height, 1 - 0.2 / width, 1 - 0.35 / height))
            self._grid = ImagePanel(ax, grid.shape)
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
                             f"spread {self.spread.value:.1f}{judged}")
        return self._fig

    def summary(self):
        k = self.class_dropdown.value
        text = (f"{self.kind}: class {self.class_names[k]}, spread "
                f"{self.spread.value:.1f}, {self.n_samples} samples")
        if self.verdicts is not None:
            agree = int(np.sum(self.verdicts[0] == k))
            text += f"; judge agrees on {agree}/{self.n_samples}"
        return text
