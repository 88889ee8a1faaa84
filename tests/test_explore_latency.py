"""How fast each explorer answers a widget change: on the tiny digits model and at MNIST's
shapes. Latencies are printed (run with ``-s`` to see them) and must stay under a second.

The timing lives here, not in gae_helpers.explore: :func:`measure_latency` makes an
explorer's typical changes (:func:`latency_steps`) and puts its widgets back afterwards.
"""

import time

import numpy as np
import pytest

from gae_helpers import explore
from gae_helpers.models.autoencoder import AutoencoderConfig, build_autoencoder, decode, encode
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import ClassOutlierDetector
from test_explore_base import ALL, fitted, new_explorer  # noqa: F401 (fitted: a fixture)


def _set(widget, value):
    return lambda: setattr(widget, "value", value)


def _next_class(dropdown, n):
    return lambda: setattr(dropdown, "value", (dropdown.value + 1) % n)


def _pad_drawings(ex):
    rng = np.random.default_rng(ex.seed)
    drawings = []
    for _ in range(4):
        pad = np.zeros((ex.pad_size, ex.pad_size), dtype=np.uint8)
        y0, x0 = rng.integers(20, ex.pad_size - 60, size=2)
        pad[y0:y0 + 40, x0:x0 + 12] = 255
        pad[y0:y0 + 12, x0:x0 + 40] = 255
        drawings.append(pad)
    return drawings


def latency_steps(ex) -> list:
    """Callables that each make one typical change of the explorer ``ex``."""
    n = len(ex.class_names)
    if isinstance(ex, explore.SamplerExplorer):
        return ([_set(ex.spread, s) for s in (0.5, 1.0, 1.5, 2.0)]
                + [ex.resample, _next_class(ex.class_dropdown, n)])
    if isinstance(ex, explore.MorphExplorer):
        return ([_set(ex.position, t) for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
                + [_next_class(ex.end_dropdown, n)])
    if isinstance(ex, explore.StylesExplorer):
        return ([_set(ex.position, s) for s in (-3.0, -1.5, 0.0, 1.5, 3.0)]
                + [_set(ex.component_dropdown, ex.component_dropdown.options[-1][1])])
    return [lambda d=d: ex.classify_sketch(d) for d in _pad_drawings(ex)]


_STATE_WIDGETS = ("class_dropdown", "spread", "start_dropdown", "end_dropdown",
                  "component_dropdown", "position")


def _snapshot(ex):
    state = {name: getattr(ex, name).value for name in _STATE_WIDGETS if hasattr(ex, name)}
    return state, getattr(ex, "draw", None), getattr(ex, "result", None)


def _restore(ex, saved):
    state, draw, result = saved
    if draw is not None:
        ex.draw = draw
    if isinstance(ex, explore.MorphExplorer):
        ex.start_dropdown.value = state["start_dropdown"]
        ex.end_dropdown.value = state["end_dropdown"]
        ex._endpoints()
    for name, value in state.items():
        if name != "component_dropdown":
            getattr(ex, name).value = value
    if "component_dropdown" in state:
        ex.component_dropdown.value = state["component_dropdown"]
    if isinstance(ex, explore.SketchExplorer):
        ex.result = result
    ex.update()


def measure_latency(ex, n: int = 20) -> dict:
    """Time ``n`` widget changes of an explorer (each runs its callback and redraw), cycling
    through :func:`latency_steps`; the widgets are put back afterwards. Returns
    ``{"explorer", "n", "median_ms", "max_ms"}``."""
    saved = _snapshot(ex)
    steps = latency_steps(ex)
    times = []
    for i in range(int(n)):
        start = time.perf_counter()
        steps[i % len(steps)]()
        times.append(time.perf_counter() - start)
    _restore(ex, saved)
    times = np.array(times) * 1000
    return {"explorer": type(ex).__name__, "n": int(n),
            "median_ms": float(np.median(times)), "max_ms": float(times.max())}


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_latency_digits(fitted, kind):  # noqa: F811
    ex = new_explorer(kind, fitted, judge_proba=fitted.judge)
    before = (ex.summary(), ex.static_png())
    timing = measure_latency(ex, n=20)
    print(f"\nlatency digits 8x8 {timing}")
    assert timing["median_ms"] < 1000
    assert (ex.summary(), ex.static_png()) == before  # the widgets are put back
    assert ex.errors == []


@pytest.fixture(scope="module")
def synthetic28():
    """The MNIST defaults' shapes without MNIST: an (untrained) conv autoencoder on 28x28 with
    32-d codes, 10 classes of 12 components on random codes."""
    model = build_autoencoder(AutoencoderConfig("conv", (1, 28, 28), latent_dim=32), seed=0)
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(1200, 32)) + np.repeat(rng.normal(size=(10, 32)) * 3, 120, 0)
    labels = np.repeat(range(10), 120)
    gmm = GMMClassifier(n_components=12, reg_covar=0.1, max_iter=20, random_state=0).fit(
        codes, labels)
    return model, gmm, ClassOutlierDetector(gmm, quantile=0.01).fit(codes, labels)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_latency_28x28(synthetic28, kind):
    model, gmm, none = synthetic28
    kwargs = {"encode": lambda x: encode(model, x)} if kind is explore.SketchExplorer else {}
    kwargs["none"] = none
    ex = kind(lambda z: decode(model, z), gmm, [str(k) for k in range(10)], **kwargs)
    timing = measure_latency(ex, n=20)
    print(f"\nlatency synthetic 28x28 {timing}")
    assert timing["median_ms"] < 1000
    assert ex.errors == []
