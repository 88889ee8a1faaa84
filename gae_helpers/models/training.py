"""The one training loop of the autoencoder, the VAE and the judge (sections "Autoencoder"
and "An independent judge").

Pure in the style of pytorch/examples' ``mnist/main.py``: the model, the data and the seed are
arguments. Adam over shuffled minibatches of in-memory tensors, in an order (and with
augmentations and dropout masks) seeded by ``seed``; bfloat16 autocast where
:func:`~gae_helpers.models.device.resolve_precision` says so, the loss in float32. However
it ends, normal return or exception, the model is back on the device it came from, in
contiguous memory and in eval mode.
"""

from __future__ import annotations

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from torch import nn

from gae_helpers.models.augment import random_affine, random_shifts
from gae_helpers.models.device import check_images, resolve_device, resolve_precision
from gae_helpers.models.progress import progress_bar

SCHEDULES = ("constant", "onecycle", "cosine")


def _scheduler(schedule, optimizer, learning_rate, total_steps):
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate,
                                                   total_steps=total_steps)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    return None


@validate_params({
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "shift": [Interval(Integral, 0, None, closed="left")],
    "deform": [Interval(Real, 0, 3, closed="both")],
    "schedule": [StrOptions(set(SCHEDULES))],
}, prefer_skip_nested_validation=True)
def minibatch_training(model: nn.Module, images, *, forward, loss, epochs, batch_size,
                       learning_rate, seed=0, device="auto", precision="auto", labels=None,
                       progress=True, description="training", on_epoch_end=None, shift=0,
                       deform=0.0, scale=1.0, schedule="constant") -> list:
    """Train ``model``; return the mean of ``loss * scale`` over each epoch.

    Each step computes ``output = forward(model, inputs, batch)`` (``batch``: the images;
    ``inputs``: what the model reads, ``batch`` shifted by up to ``shift`` pixels and warped by
    :func:`~gae_helpers.models.augment.random_affine` of strength ``deform``) and
    ``loss(output, target)``, where ``target`` is the batch's ``labels`` when given, else the
    clean batch itself. ``schedule``: the learning rate held, a one-cycle policy peaking at
    ``learning_rate``, or a cosine decay to zero. ``on_epoch_end(model, epoch, loss)`` is
    called after each epoch.

    Examples
    --------
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 4), nn.Unflatten(1, (1, 2, 2)))
    >>> model.config = type("Config", (), {"image_shape": (1, 2, 2)})
    >>> images = torch.rand(16, 1, 2, 2)
    >>> history = minibatch_training(
    ...     model, images, forward=lambda m, inputs, batch: m(inputs),
    ...     loss=nn.functional.mse_loss, epochs=3, batch_size=4, learning_rate=0.01,
    ...     progress=False)
    >>> len(history), history[-1] < history[0], model.training
    (3, True, False)
    """
    images = check_images(images, model.config, type(model).__name__)
    if len(images) == 0:
        raise ValueError("images is empty: give at least one image to train on.")
    targets = None if labels is None else torch.as_tensor(labels)
    device = resolve_device(device)
    dtype = resolve_precision(precision, device)
    convolutional = any(isinstance(m, nn.Conv2d) for m in model.modules())
    fmt = torch.channels_last if convolutional else torch.contiguous_format
    home = next(model.parameters()).device
    n = len(images)
    steps = -(-n // batch_size)
    data = images.to(device)
    targets = None if targets is None else targets.to(device)
    generator = torch.Generator().manual_seed(int(seed))
    history = []
    bar = progress_bar(epochs * steps, description, progress)
    cuda = [device.index or torch.cuda.current_device()] if device.type == "cuda" else []
    try:
        model.to(device=device, memory_format=fmt).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        scheduler = _scheduler(schedule, optimizer, learning_rate, epochs * steps)
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(int(seed))  # dropout masks
            for _ in range(epochs):
                order = torch.randperm(n, generator=generator).to(device)
                total = 0.0
                for start in range(0, n, batch_size):
                    index = order[start:start + batch_size]
                    batch = random_shifts(data[index], int(shift), generator)
                    batch = batch.contiguous(memory_format=fmt)
                    inputs = random_affine(batch, deform, generator).contiguous(
                        memory_format=fmt) if deform else batch
                    optimizer.zero_grad(set_to_none=True)
                    with torch.autocast(device.type, dtype=dtype,
                                        enabled=dtype != torch.float32):
                        output = forward(model, inputs, batch)
                    value = loss(output, batch if targets is None else targets[index])
                    value.backward()
                    optimizer.step()
                    if scheduler is not None:
                        scheduler.step()
                    total += value.item() * scale * len(batch)
                    bar.update(1)
                    bar.set_postfix(loss=f"{value.item() * scale:.4f}", refresh=False)
                history.append(total / n)
                if on_epoch_end is not None:
                    on_epoch_end(model, len(history), history[-1])
                    model.train()
    finally:
        bar.close()
        model.to(device=home, memory_format=torch.contiguous_format).eval()
    return history
