"""The sketch explorer (gae_helpers/explore/sketch.py) and its pad's preprocessing
(gae_helpers/explore/sketching.py)."""

import io

import numpy as np
import pytest
import torch

from gae_helpers import explore
from test_explore_base import fitted, new_explorer  # noqa: F401 (fitted: a fixture)


def test_prepare_sketch_scales_by_area_and_fits_the_box():
    pad = np.zeros((192, 192), np.uint8)
    pad[48:144, 72:120] = 255  # a bar, 96 x 48 pixels
    raw = explore.prepare_sketch(pad, (1, 8, 8), fit_box=None)
    assert raw.shape == (1, 1, 8, 8) and raw.dtype == torch.float32
    assert raw[0, 0, 2:6, 3:5].min() == 1 and raw.sum() == 8  # 24-pixel blocks, exact
    fitted = explore.prepare_sketch(pad, (1, 8, 8))  # digits: the longer side fills 8 rows
    rows = np.flatnonzero(fitted[0, 0].amax(dim=1) > 0.5)
    assert rows[0] == 0 and rows[-1] == 7
    small = np.zeros((196, 196, 4), np.uint8)
    small[10:40, 10:25, :3] = 255  # RGBA, drawn in a corner
    mnist = explore.prepare_sketch(small, (1, 28, 28))
    ink = mnist[0, 0] > 0.5
    ys, xs = np.nonzero(ink.numpy())
    assert 18 <= ys.max() - ys.min() + 1 <= 21  # MNIST's 20-pixel box
    assert abs(ys.mean() - 13.5) < 1.5 and abs(xs.mean() - 13.5) < 1.5  # centred by mass


def test_draw_pad_classifies_upscaled_test_images(fitted):  # noqa: F811
    data = fitted.data
    direct = fitted.gmm.classes_[fitted.gmm.predict_proba(
        fitted.encode(data.x_test)).argmax(1)] == data.y_test
    # a 192-pixel pad is exactly 24 x 8: area averaging gives the very image back
    exact = new_explorer(explore.SketchExplorer, fitted, pad_size=192, fit_box=None)
    drawn = []
    for image, label in zip(data.x_test, data.y_test):
        pad = np.kron(image[0].numpy(), np.ones((24, 24)))
        result = exact.classify_sketch((pad * 255).round().astype(np.uint8), show=False)
        drawn.append(int(np.argmax(result["proba"])) == label)
    assert np.mean(drawn) == pytest.approx(direct.mean(), abs=0.02)
    # the default pad (196 pixels, bounding box fitted to the frame): still mostly right
    ex = new_explorer(explore.SketchExplorer, fitted, judge_proba=fitted.judge)
    agree = []
    for image, label in zip(data.x_test, data.y_test):
        pad = torch.nn.functional.interpolate(image[None], size=(196, 196), mode="bilinear")
        result = ex.classify_sketch((pad[0, 0].numpy() * 255).astype(np.uint8), show=False)
        agree.append(int(np.argmax(result["proba"])) == label)
    assert np.mean(agree) > 0.6, np.mean(agree)
    assert np.mean(agree) >= direct.mean() - 0.15
    assert set(result) >= {"image", "code", "proba", "label", "rejected", "judge"}
    png = ex.static_png()
    ex.update()
    assert ex.static_png() != png  # shown only now
    assert ex.summary().startswith("Sketch explorer: drawing scaled to 8x8, classified as ")


def _pad_png(pad):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pad).save(buffer, format="PNG")
    return buffer.getvalue()


def test_draw_pad_mouse_and_synced_image(fitted):  # noqa: F811
    ex = new_explorer(explore.SketchExplorer, fitted)
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
    ex.canvas.set_trait("image_data", _pad_png(pad))
    assert ex.result is not None and ex.static_png() != first
    assert ex.result["image"].shape == (8, 8)
    ex.clear_button.click()
    assert ex.result is None and ex.static_png() == first
    blank = np.zeros((196, 196, 4), np.uint8)
    blank[..., 3] = 255
    ex.canvas.set_trait("image_data", _pad_png(blank))  # an empty pad: nothing to classify
    assert ex.result is None and ex.errors == []


def test_draw_example_is_classified_at_start(fitted):  # noqa: F811
    image = fitted.data.x_test[0, 0].numpy()
    ex = new_explorer(explore.SketchExplorer, fitted, example=image)
    assert ex.result is not None
    assert ex.summary().startswith("Sketch explorer: drawing scaled to 8x8, classified as ")
