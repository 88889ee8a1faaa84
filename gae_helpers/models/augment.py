"""Label-free augmentations of the autoencoder's training images (section "Autoencoder").

Each draws its randomness from a CPU ``torch.Generator``, so a seed gives the same batches on
any device; neither ever sees a label.
"""

from __future__ import annotations

import torch
from torch import nn


def random_shifts(batch: torch.Tensor, max_shift: int, generator: torch.Generator
                  ) -> torch.Tensor:
    """Each image moved by its own random whole-pixel offset in [-max_shift, max_shift] along
    both axes, the uncovered border filled with 0 (a label-free augmentation).

    Examples
    --------
    >>> image = torch.zeros(1, 1, 5, 5)
    >>> image[0, 0, 2, 2] = 1
    >>> moved = random_shifts(image, 2, torch.Generator().manual_seed(0))
    >>> float(moved.sum()), moved.shape
    (1.0, torch.Size([1, 1, 5, 5]))
    """
    if max_shift == 0:
        return batch
    n, _, height, width = batch.shape
    offsets = torch.randint(-max_shift, max_shift + 1, (2, n), generator=generator)
    padded = nn.functional.pad(batch, [max_shift] * 4)
    rows = (torch.arange(height)[None, :] + max_shift - offsets[0][:, None]).to(batch.device)
    cols = (torch.arange(width)[None, :] + max_shift - offsets[1][:, None]).to(batch.device)
    index = torch.arange(n, device=batch.device)[:, None, None, None]
    channel = torch.arange(batch.shape[1], device=batch.device)[None, :, None, None]
    return padded[index, channel, rows[:, None, :, None], cols[:, None, None, :]]


def random_affine(batch: torch.Tensor, strength: float, generator: torch.Generator
                  ) -> torch.Tensor:
    """Each image warped by its own small random affine map (section "Autoencoder").

    ``strength`` 1 draws rotations up to 15 degrees, scalings by up to 10%, shears up to 0.1
    and shifts up to 8% of the side (2 px of 28) per image, uniformly; 0 returns the batch.
    The draws come from the CPU ``generator``, so a seed gives the same warps on any device.

    Examples
    --------
    >>> image = torch.zeros(1, 1, 8, 8); image[0, 0, 2:6, 3:5] = 1.0
    >>> warped = random_affine(image, 1.0, torch.Generator().manual_seed(0))
    >>> warped.shape, bool(0 < warped.sum() < 16)
    (torch.Size([1, 1, 8, 8]), True)
    """
    if strength == 0:
        return batch
    n = len(batch)
    u = torch.rand(5, n, generator=generator) * 2 - 1
    angle = u[0] * (15 * torch.pi / 180) * strength
    scale = 1 + 0.1 * strength * u[1]
    shear = 0.1 * strength * u[2]
    shifts = 0.16 * strength * u[3:5]  # affine_grid's coordinates span [-1, 1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin + shear, shifts[0]], 1),
                         torch.stack([sin, cos, shifts[1]], 1)], 1).to(batch)
    grid = nn.functional.affine_grid(theta, list(batch.shape), align_corners=False)
    return nn.functional.grid_sample(batch, grid, padding_mode="zeros", align_corners=False)
