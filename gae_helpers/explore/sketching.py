"""Drawing-pad preprocessing: a drawing as one image of the dataset (section "Explore").

:func:`prepare_sketch` turns what the sketch explorer's pad holds (white strokes on black) into
what the encoder expects, the way the datasets were prepared: the strokes' bounding box scaled
to the frame and centred by mass, then area-averaged down to the image size.
"""

from __future__ import annotations

import numpy as np
import torch


def prepare_sketch(drawing, image_shape, fit_box="auto") -> torch.Tensor:
    """A drawing (white strokes on black) as one image of the dataset: ``(1, c, h, w)`` in
    [0, 1].

    ``drawing`` is an array ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` (RGBA from a canvas;
    the colour channels are averaged, alpha ignored), uint8 in 0..255 or float in [0, 1].
    With ``fit_box`` the strokes' bounding box is scaled (aspect kept) so that its longer side
    spans that fraction of the pad and put at the pad's centre by its centre of mass, as the
    datasets were prepared: ``"auto"`` is 1.0 for images under 16 pixels a side (scikit-learn's
    digits fill their 8x8 frame) and 20/28 otherwise (MNIST's 20x20 box in 28x28); ``None``
    keeps the drawing as drawn. Then the pad is shrunk to ``image_shape`` by area averaging,
    like :func:`gae_helpers.data.datasets.resize_images`.

    >>> pad = np.zeros((64, 64), np.uint8)
    >>> pad[16:48, 24:40] = 255
    >>> image = prepare_sketch(pad, (1, 8, 8), fit_box=None)
    >>> tuple(image.shape), float(image.sum())
    ((1, 1, 8, 8), 8.0)
    """
    array = np.asarray(drawing)
    if array.ndim == 3:
        array = array[..., :3].mean(axis=-1) if array.shape[-1] in (3, 4) else array[0]
    if array.ndim != 2:
        raise ValueError(f"A drawing must be (H, W), (H, W, 3) or (H, W, 4), got "
                         f"{np.asarray(drawing).shape}.")
    array = array.astype(np.float32)
    if np.asarray(drawing).dtype == np.uint8 or array.max(initial=0) > 1.0:
        array = array / 255.0
    array = np.clip(array, 0.0, 1.0)
    channels, height, width = (1, *tuple(image_shape)[-2:]) if len(image_shape) == 2 \
        else tuple(image_shape)
    if fit_box == "auto":
        fit_box = 1.0 if max(height, width) < 16 else 20 / 28
    if fit_box is not None:
        array = _fit_to_box(array, float(fit_box))
    image = torch.from_numpy(np.ascontiguousarray(array))[None, None]
    if tuple(image.shape[-2:]) != (height, width):
        image = torch.nn.functional.interpolate(image, size=(height, width), mode="area")
    return image.repeat(1, channels, 1, 1).clamp(0, 1)


def _fit_to_box(array, fraction):
    ink = array > 0.1 * array.max(initial=0)
    if not ink.any():
        return array
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = array[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    size_h, size_w = array.shape
    scale = fraction * min(size_h, size_w) / max(crop.shape)
    new_h = max(1, min(size_h, int(round(crop.shape[0] * scale))))
    new_w = max(1, min(size_w, int(round(crop.shape[1] * scale))))
    t = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
    mode = "area" if scale < 1 else "bilinear"
    kwargs = {} if mode == "area" else {"align_corners": False}
    crop = torch.nn.functional.interpolate(t, size=(new_h, new_w), mode=mode, **kwargs)[0, 0]
    crop = crop.clamp(0, 1).numpy()
    mass = crop.sum()
    cy = (crop.sum(axis=1) @ np.arange(new_h)) / mass if mass > 0 else (new_h - 1) / 2
    cx = (crop.sum(axis=0) @ np.arange(new_w)) / mass if mass > 0 else (new_w - 1) / 2
    top = int(np.clip(round((size_h - 1) / 2 - cy), 0, size_h - new_h))
    left = int(np.clip(round((size_w - 1) / 2 - cx), 0, size_w - new_w))
    out = np.zeros_like(array)
    out[top:top + new_h, left:left + new_w] = crop
    return out
