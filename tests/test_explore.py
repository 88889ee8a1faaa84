"""The explorers of gae_helpers.explore, driven from Python on a tiny digits model.

Latencies per change are printed (run with ``-s`` to see them) and must stay under a second.
"""

import base64
import copy

import numpy as np
import pytest
import torch

from gae_helpers import explore
from gae_helpers.autoencoder import (AutoencoderConfig, build_autoencoder, decode, encode,
                                     train_autoencoder)
from gae_helpers.mixture import ClassGaussianMixture

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fitted(digits):
    """A dense autoencoder (latent 4) trained briefly on 400 digits, per-class GMMs on its
    codes with the reject option, and a pixel-space logistic regression as the judge."""
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
    gmm = ClassGaussianMixture(n_components=2, reg_covar=0.1, reject_quantile=0.01,
                               random_state=0).fit(codes, digits.y_train)
    pixels = LogisticRegression(max_iter=3000).fit(
        digits.x_train.reshape(len(digits.x_train), -1).numpy(), digits.y_train)

    class Fitted:
        pass

    f = Fitted()
    f.model, f.gmm, f.names, f.data = model, gmm, digits.class_names, digits
    f.decode = lambda z: decode(model, z)
    f.encode = lambda x: encode(model, x)
    f.judge = lambda x: pixels.predict_proba(np.asarray(x).reshape(len(x), -1))
    return f


def _new(kind, f, **kwargs):
    if kind is explore.DrawExplorer:
        kwargs.setdefault("encode", f.encode)
    ex = kind(f.decode, f.gmm, f.names, **kwargs)
    ex.raise_errors = True
    return ex


ALL = [explore.SamplerExplorer, explore.MorphExplorer, explore.StylesExplorer,
       explore.DrawExplorer]


# --- mixture helpers -------------------------------------------------------------------------

@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_temperature_scales_the_covariance_of_samples(covariance_type):
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    x = rng.multivariate_normal([1.0, -2.0, 0.5], [[2.0, 0.6, 0.0], [0.6, 1.0, 0.2],
                                                   [0.0, 0.2, 0.5]], size=3000)
    gm = GaussianMixture(1, covariance_type=covariance_type, random_state=0).fit(x)
    fitted_cov = explore.component_covariances(gm)[0]
    for temperature in (1.0, 2.25, 0.25):
        z = explore.sample_with_temperature(gm, 40000, temperature, random_state=1)
        np.testing.assert_allclose(np.cov(z.T), temperature * fitted_cov, atol=0.05 *
                                   temperature * np.abs(fitted_cov).max())
        np.testing.assert_allclose(z.mean(0), gm.means_[0], atol=0.05)
    # same seed: a higher temperature only stretches each sample away from its mean
    z1 = explore.sample_with_temperature(gm, 5, 1.0, random_state=3)
    z4 = explore.sample_with_temperature(gm, 5, 4.0, random_state=3)
    np.testing.assert_allclose(z4 - gm.means_[0], 2 * (z1 - gm.means_[0]))


def test_principal_axis_is_the_top_eigenvector():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2)) * [3.0, 0.5]
    gm = GaussianMixture(1, random_state=0).fit(x)
    mean, v1, std = explore.principal_axis(gm, 0)
    assert abs(abs(v1[0]) - 1) < 0.01 and v1[np.argmax(np.abs(v1))] > 0
    assert std == pytest.approx(3.0, rel=0.05)
    np.testing.assert_allclose(mean, gm.means_[0])


def test_prepare_drawing_scales_by_area_and_fits_the_box():
    pad = np.zeros((192, 192), np.uint8)
    pad[48:144, 72:120] = 255  # a bar, 96 x 48 pixels
    raw = explore.prepare_drawing(pad, (1, 8, 8), fit_box=None)
    assert raw.shape == (1, 1, 8, 8) and raw.dtype == torch.float32
    assert raw[0, 0, 2:6, 3:5].min() == 1 and raw.sum() == 8  # 24-pixel blocks, exact
    fitted = explore.prepare_drawing(pad, (1, 8, 8))  # digits: the longer side fills 8 rows
    rows = np.flatnonzero(fitted[0, 0].amax(dim=1) > 0.5)
    assert rows[0] == 0 and rows[-1] == 7
    small = np.zeros((196, 196, 4), np.uint8)
    small[10:40, 10:25, :3] = 255  # RGBA, drawn in a corner
    mnist = explore.prepare_drawing(small, (1, 28, 28))
    ink = mnist[0, 0] > 0.5
    ys, xs = np.nonzero(ink.numpy())
    assert 18 <= ys.max() - ys.min() + 1 <= 21  # MNIST's 20-pixel box
    assert abs(ys.mean() - 13.5) < 1.5 and abs(xs.mean() - 13.5) < 1.5  # centred by mass


# --- each explorer ---------------------------------------------------------------------------

def test_sampler_changes_and_temperature(fitted):
    ex = _new(explore.SamplerExplorer, fitted, judge_proba=fitted.judge)
    first_png, first_codes = ex.static_png(), ex.codes.copy()
    assert first_png.startswith(PNG)
    means = fitted.gmm.gmms_[0].means_[ex.components]
    ex.temperature.value = 2.25
    np.testing.assert_allclose(ex.codes - means, 1.5 * (first_codes - means))
    assert ex.static_png() != first_png
    ex.temperature.value = 0.0
    np.testing.assert_allclose(ex.codes, means)
    ex.temperature.value = 1.0
    np.testing.assert_allclose(ex.codes, first_codes)
    assert ex.static_png() == first_png  # deterministic: the same state, the same bytes
    ex.resample()
    assert not np.allclose(ex.codes, first_codes)
    ex.resample_button.click()
    assert ex.draw == 2
    ex.class_dropdown.value = 3
    assert ex.summary().startswith("Sampler explorer: class 3, temperature 1.0, 10 samples; "
                                   "judge agrees on ")
    assert len(ex.verdicts[0]) == 10 and np.all((ex.verdicts[1] > 0) & (ex.verdicts[1] <= 1))
    assert ex.images.shape == (10, 8, 8)
    assert ex.errors == []


def test_sampler_without_judge_has_no_verdicts(fitted):
    ex = _new(explore.SamplerExplorer, fitted, n_samples=4, class_label=2)
    assert ex.verdicts is None
    assert ex.summary() == "Sampler explorer: class 2, temperature 1.0, 4 samples"


def test_morph_moves_along_the_line(fitted):
    ex = _new(explore.MorphExplorer, fitted, start=1, end=7)
    pngs, probas = {ex.static_png()}, [ex.proba]
    for t in (0.0, 1.0):
        ex.position.value = t
        pngs.add(ex.static_png())
        probas.append(ex.proba)
    assert len(pngs) == 3
    assert not np.allclose(probas[1], probas[2])
    ex.position.value = 0.0
    np.testing.assert_allclose(ex.code, ex.start_code)
    np.testing.assert_allclose(ex.proba, fitted.gmm.predict_proba(ex.start_code[None])[0])
    ex.position.value = 1.0
    np.testing.assert_allclose(ex.code, ex.end_code)
    end = ex.end_code.copy()
    ex.end_dropdown.value = 3  # another class: its end point is drawn again
    assert not np.allclose(ex.end_code, end)
    ex.end_dropdown.value = 7  # seeded: the same class gives the same end point back
    np.testing.assert_allclose(ex.end_code, end)
    ex.redraw_button.click()
    assert not np.allclose(ex.end_code, end)
    assert ex.rejected is not None and ex.errors == []


def test_morph_marks_none_when_rejected(fitted):
    gmm = copy.deepcopy(fitted.gmm)
    gmm.thresholds_ = np.full(len(gmm.classes_), np.inf)  # everything is "none"
    ex = explore.MorphExplorer(fitted.decode, gmm, fitted.names, start=0, end=1)
    assert ex.rejected is True
    assert "GMMs say none (nearest" in ex.summary()
    assert ex._bars.bars[-1].get_width() == 1.0
    gmm.thresholds_ = None  # no reject option: no "none" row at all
    ex = explore.MorphExplorer(fitted.decode, gmm, fitted.names, start=0, end=1)
    assert ex.rejected is None and len(ex._bars.bars) == len(fitted.names)
    assert "none" not in ex.summary()


def test_styles_position_zero_is_the_component_mean(fitted):
    ex = _new(explore.StylesExplorer, fitted, class_label=4)
    weights = fitted.gmm.gmms_[4].weights_
    options = [value for _, value in ex.component_dropdown.options]
    assert list(weights[options]) == sorted(weights, reverse=True)
    assert ex.component_dropdown.value == options[0]
    for component in options:
        ex.component_dropdown.value = component
        ex.position.value = 0.0
        mean = fitted.gmm.gmms_[4].means_[component]
        np.testing.assert_allclose(ex.code, mean)
        np.testing.assert_allclose(ex.image_array, fitted.decode(mean[None])[0, 0].numpy(),
                                   atol=1e-6)
        png = ex.static_png()
        ex.position.value = 2.0
        _, v1, std = explore.principal_axis(fitted.gmm.gmms_[4], component)
        np.testing.assert_allclose(ex.code - mean, 2.0 * std * v1)
        assert ex.static_png() != png
    ex.class_dropdown.value = 6  # the component list follows the class, heaviest first
    assert ex.component_dropdown.value == int(np.argmax(fitted.gmm.gmms_[6].weights_))
    assert ex.summary().startswith("Styles explorer: class 6, component 1 of 2 by weight")
    assert ex.errors == []


def test_draw_pad_classifies_upscaled_test_images(fitted):
    data = fitted.data
    direct = fitted.gmm.classes_[fitted.gmm.predict_proba(
        fitted.encode(data.x_test)).argmax(1)] == data.y_test
    # a 192-pixel pad is exactly 24 x 8: area averaging gives the very image back
    exact = _new(explore.DrawExplorer, fitted, pad_size=192, fit_box=None)
    drawn = []
    for image, label in zip(data.x_test, data.y_test):
        pad = np.kron(image[0].numpy(), np.ones((24, 24)))
        result = exact.classify_drawing((pad * 255).round().astype(np.uint8), show=False)
        drawn.append(int(np.argmax(result["proba"])) == label)
    assert np.mean(drawn) == pytest.approx(direct.mean(), abs=0.02)
    # the default pad (196 pixels, bounding box fitted to the frame): still mostly right
    ex = _new(explore.DrawExplorer, fitted, judge_proba=fitted.judge)
    agree = []
    for image, label in zip(data.x_test, data.y_test):
        pad = torch.nn.functional.interpolate(image[None], size=(196, 196), mode="bilinear")
        result = ex.classify_drawing((pad[0, 0].numpy() * 255).astype(np.uint8), show=False)
        agree.append(int(np.argmax(result["proba"])) == label)
    assert np.mean(agree) > 0.6, np.mean(agree)
    assert np.mean(agree) >= direct.mean() - 0.15
    assert set(result) >= {"image", "code", "proba", "label", "rejected", "judge"}
    png = ex.static_png()
    ex.update()
    assert ex.static_png() != png  # shown only now
    assert ex.summary().startswith("Draw explorer: drawing scaled to 8x8, classified as ")


def test_draw_pad_mouse_and_synced_image(fitted):
    from PIL import Image

    ex = _new(explore.DrawExplorer, fitted)
    first = ex.static_png()
    assert ex.result is None and "empty 196x196 pad" in ex.summary()
    ex._mouse_down(60, 40)  # no front end here: the pad's image never syncs
    ex._mouse_move(90, 150)
    ex._mouse_up(90, 160)
    assert ex.result is None and ex.errors == []
    # what the front end sends back after drawing: the pad as PNG
    pad = np.zeros((196, 196, 4), np.uint8)
    pad[..., 3] = 255
    pad[30:170, 90:110, :3] = 255  # a "1"
    buffer = __import__("io").BytesIO()
    Image.fromarray(pad).save(buffer, format="PNG")
    ex.canvas.set_trait("image_data", buffer.getvalue())
    assert ex.result is not None and ex.static_png() != first
    assert ex.result["image"].shape == (8, 8)
    ex.clear_button.click()
    assert ex.result is None and ex.static_png() == first
    blank = np.zeros((196, 196, 4), np.uint8)
    blank[..., 3] = 255
    buffer = __import__("io").BytesIO()
    Image.fromarray(blank).save(buffer, format="PNG")
    ex.canvas.set_trait("image_data", buffer.getvalue())  # an empty pad: nothing to classify
    assert ex.result is None and ex.errors == []


def test_draw_example_is_classified_at_start(fitted):
    image = fitted.data.x_test[0, 0].numpy()
    ex = _new(explore.DrawExplorer, fitted, example=image)
    assert ex.result is not None
    assert ex.summary().startswith("Draw explorer: drawing scaled to 8x8, classified as ")


# --- display ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_mimebundle_has_widget_png_and_deterministic_text(fitted, kind):
    a, b = _new(kind, fitted, judge_proba=fitted.judge), _new(kind, fitted,
                                                              judge_proba=fitted.judge)
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
        explore.SamplerExplorer(fitted.decode, ClassGaussianMixture(), fitted.names)
    with pytest.raises(ValueError, match="Unknown class"):
        explore.SamplerExplorer(fitted.decode, fitted.gmm, fitted.names, class_label=42)


# --- latency ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_latency_digits(fitted, kind):
    ex = _new(kind, fitted, judge_proba=fitted.judge)
    before = (ex.summary(), ex.static_png())
    timing = explore.measure_latency(ex, n=20)
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
    gmm = ClassGaussianMixture(n_components=12, reg_covar=0.1, reject_quantile=0.01,
                               max_iter=20, random_state=0).fit(codes, np.repeat(range(10), 120))
    return model, gmm


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_latency_28x28(synthetic28, kind):
    model, gmm = synthetic28
    kwargs = {"encode": lambda x: encode(model, x)} if kind is explore.DrawExplorer else {}
    ex = kind(lambda z: decode(model, z), gmm, [str(k) for k in range(10)], **kwargs)
    timing = explore.measure_latency(ex, n=20)
    print(f"\nlatency synthetic 28x28 {timing}")
    assert timing["median_ms"] < 1000
    assert ex.errors == []
