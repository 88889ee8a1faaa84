"""What every explorer of gae_helpers.explore shares (explore/base.py): the three
representations when displayed, errors in callbacks, refused inputs.

Also the fixture the other tests/test_explore_*.py import: a tiny digits model.
"""

import base64

import numpy as np
import pytest
import torch

from gae_helpers import explore
from gae_helpers.models.autoencoder import (AutoencoderConfig, build_autoencoder, decode, encode,
                                     train_autoencoder)
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import ClassOutlierDetector

PNG = b"\x89PNG\r\n\x1a\n"
ALL = [explore.SamplerExplorer, explore.MorphExplorer, explore.StylesExplorer,
       explore.SketchExplorer]
_FITTED = {}  # one model for every test module that imports the fixture


class Fitted:
    """A trained model, its mixtures and judge, and the data they came from."""


def _fit(digits):
    from sklearn.linear_model import LogisticRegression

    model = build_autoencoder(AutoencoderConfig("dense", (1, 8, 8), latent_dim=4), seed=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: one thread is faster on a busy 2-core machine
    try:
        train_autoencoder(model, digits.x_train, epochs=30, progress=False,
                          precision="float32")
    finally:
        torch.set_num_threads(threads)
    codes = encode(model, digits.x_train)
    gmm = GMMClassifier(n_components=2, reg_covar=0.1, random_state=0).fit(codes, digits.y_train)
    none = ClassOutlierDetector(gmm, quantile=0.01).fit(codes, digits.y_train)
    pixels = LogisticRegression(max_iter=3000).fit(
        digits.x_train.reshape(len(digits.x_train), -1).numpy(), digits.y_train)
    f = Fitted()
    f.model, f.gmm, f.none, f.names, f.data = model, gmm, none, digits.class_names, digits
    f.decode = lambda z: decode(model, z)
    f.encode = lambda x: encode(model, x)
    f.judge = lambda x: pixels.predict_proba(np.asarray(x).reshape(len(x), -1))
    return f


@pytest.fixture(scope="module")
def fitted(digits):
    """A dense autoencoder (latent 4) trained briefly on 400 digits, per-class GMMs on its
    codes with the reject option, and a pixel-space logistic regression as the judge."""
    if id(digits) not in _FITTED:
        _FITTED[id(digits)] = _fit(digits)
    return _FITTED[id(digits)]


def new_explorer(kind, f, **kwargs):
    """An explorer of ``kind`` on the fitted model that raises its callbacks' errors."""
    if kind is explore.SketchExplorer:
        kwargs.setdefault("encode", f.encode)
    kwargs.setdefault("none", f.none)
    ex = kind(f.decode, f.gmm, f.names, **kwargs)
    ex.raise_errors = True
    return ex


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_mimebundle_has_widget_png_and_deterministic_text(fitted, kind):
    a, b = (new_explorer(kind, fitted, judge_proba=fitted.judge) for _ in range(2))
    bundle = a._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png",
                           "text/plain"}
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view == {"version_major": 2, "version_minor": 0, "model_id": a.widget.model_id}
    assert base64.b64decode(bundle["image/png"]).startswith(PNG)
    text = bundle["text/plain"]
    assert text == b._repr_mimebundle_()["text/plain"] == repr(a)
    assert a.widget.model_id not in text and "0x" not in text and "\n" not in text
    assert bundle["image/png"] == b._repr_mimebundle_()["image/png"]
    assert text.startswith(kind.kind + ": ")


def test_callback_errors_go_to_the_log(fitted):
    ex = explore.MorphExplorer(fitted.decode, fitted.gmm, fitted.names,
                               judge_proba=fitted.judge)

    def broken(images):
        raise RuntimeError("judge broke")

    ex.judge_proba = broken
    ex.position.value = 0.1  # must not raise inside the widget callback
    assert len(ex.errors) == 1 and "RuntimeError: judge broke" in ex.errors[0]
    assert "judge broke" in "".join(o.get("text", "") for o in ex.log.outputs)
    ex.judge_proba = lambda images: np.ones((len(images), 3))
    ex.position.value = 0.2
    assert "expected (1, 10)" in ex.errors[-1]


def test_bad_inputs_are_refused(fitted):
    with pytest.raises(ValueError, match="class_names has 3 names"):
        explore.SamplerExplorer(fitted.decode, fitted.gmm, ["a", "b", "c"])
    with pytest.raises(ValueError, match="fitted"):
        explore.SamplerExplorer(fitted.decode, GMMClassifier(), fitted.names)
    with pytest.raises(ValueError, match="Unknown class"):
        explore.SamplerExplorer(fitted.decode, fitted.gmm, fitted.names, class_label=42)


def test_package_keeps_its_public_names():
    from gae_helpers.measure import sampling

    for name in explore.__all__:
        assert hasattr(explore, name), name
    assert explore.principal_axis is sampling.principal_axis
    assert explore.component_covariances is sampling.component_covariances
    assert explore.sample_with_spread is sampling.sample_with_spread
