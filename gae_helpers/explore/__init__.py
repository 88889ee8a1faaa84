"""Interactive explorers of a fitted model, built with ipywidgets (section "Explore").

Each explorer works on what a run already fitted: a ``decode`` function (latent codes to
images in [0, 1]), a :class:`~gae_helpers.mixtures.classifier.GMMClassifier` and the class
names; optionally ``calibrated`` (the classifier whose probabilities are shown, e.g. the
temperature-scaled one of section "Calibration"; the GMMs' own by default), ``none`` (a fitted
:class:`~gae_helpers.mixtures.outliers.ClassOutlierDetector`, the rule for "none"), a
``judge_proba`` classifier independent of the mixtures, and ``encode`` for the sketch pad.
Nothing is trained or changed here.

Modules:

``sampler``   :class:`SamplerExplorer`: decoded samples of one class's GMM at a chosen
              spread (the factor its covariances are multiplied by; not the calibration's
              temperature).
``morph``     :class:`MorphExplorer`: the straight line between a code of one class and one
              of another; the image there and the class probabilities, and "none" by the
              per-class likelihood thresholds of ``none``.
``styles``    :class:`StylesExplorer`: move along one component's first principal axis.
``sketch``    :class:`SketchExplorer`: sketch on a pad (ipycanvas); the sketch is scaled to
              the dataset's image size, encoded and classified.
``sketching`` :func:`prepare_sketch`, the pad's preprocessing (box fit, centring, area
              averaging).
``base``      the explorers' shared base: inputs, guarded callbacks, redraw, display.
``panels``    the matplotlib figure, PNG and panels they draw with.

The latent maths they use live with the samplers (re-exported here):
:func:`~gae_helpers.measure.sampling.component_covariances`,
:func:`~gae_helpers.measure.sampling.principal_axis` and
:func:`~gae_helpers.measure.sampling.sample_with_spread`.

Each explorer keeps its widgets as attributes, recomputes in ``update`` (called by the
widgets' callbacks, and callable from Python, as tests do) and shows its figure as a PNG in an
``ipywidgets.Image``. ``explorer.widget`` is the container to lay out elsewhere. Displayed as
a cell's last expression (or with ``display``), an explorer's output holds three
representations: the live widget (JupyterLab, Jupyter Notebook), a PNG of its current state
(papermill runs, nbconvert, static viewers) and a short deterministic text (``text/plain``,
what nbval compares). Exceptions inside callbacks are written to the explorer's ``log``
Output widget (and kept in ``errors``), never lost.

Examples
--------
>>> from gae_helpers.models.autoencoder import decode                        # doctest: +SKIP
>>> SamplerExplorer(lambda z: decode(autoencoder, z), gmm, names)     # doctest: +SKIP
"""

from gae_helpers.measure.sampling import (component_covariances, principal_axis,
                                          sample_with_spread)
from gae_helpers.explore.sketch import SketchExplorer
from gae_helpers.explore.sketching import prepare_sketch
from gae_helpers.explore.morph import MorphExplorer
from gae_helpers.explore.sampler import SamplerExplorer
from gae_helpers.explore.styles import StylesExplorer

__all__ = ["SamplerExplorer", "MorphExplorer", "StylesExplorer", "SketchExplorer",
           "prepare_sketch", "sample_with_spread", "component_covariances", "principal_axis"]
