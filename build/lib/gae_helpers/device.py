"""Where and in which arithmetic the networks run (section "Setup and parameters").

``GAE_PRECISION`` (``float32`` or ``bfloat16``) overrides a ``precision="auto"`` everywhere,
notebook kernels included: ``GAE_PRECISION=float32 make test`` takes the path of CPUs without
native bfloat16 on any machine.
"""

from __future__ import annotations

import os

import torch

PRECISION_ENV = "GAE_PRECISION"
PRECISIONS = ("auto", "float32", "bfloat16")


def resolve_device(device="auto") -> torch.device:
    """``"auto"`` picks CUDA when present, else the CPU.

    Examples
    --------
    >>> resolve_device("cpu").type
    'cpu'
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"Unknown device {device!r}: use 'auto', 'cpu' or 'cuda'.") from exc


def native_bfloat16(device: torch.device) -> bool:
    """Whether the hardware computes bfloat16 natively (AVX-512 BF16 or AMX, recent GPUs)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and torch.backends.mkldnn.is_available() and \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The training arithmetic: ``"auto"`` is ``$GAE_PRECISION`` when set, else bfloat16
    autocast where the hardware has it natively, else float32.

    Examples
    --------
    >>> resolve_precision("float32", torch.device("cpu"))
    torch.float32
    """
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}: choose one of "
                         f"{', '.join(PRECISIONS)}.")
    if precision == "auto":
        forced = os.environ.get(PRECISION_ENV, "").strip()
        if forced:
            if forced not in PRECISIONS[1:]:
                raise ValueError(f"{PRECISION_ENV}={forced!r} is not a precision: set it to "
                                 f"float32 or bfloat16, or unset it.")
            precision = forced
        else:
            return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return torch.bfloat16 if precision == "bfloat16" else torch.float32
