"""Plain-value conversions shared by the model configs (section "Autoencoder").

A checkpoint stores its model's config as plain Python values, so that it loads with
``torch.load(weights_only=True)``: tuples become lists on the way out and tuples again on the
way in.
"""

from __future__ import annotations

from dataclasses import asdict, fields

# Every model kind's config class, by its KIND: filled as each config class is defined (in
# gae_helpers.models.autoencoder, .vae and .judge), read by gae_helpers.models.checkpoint to rebuild a model
# from a checkpoint without naming the modules that define them.
CONFIGS: dict = {}


def model_kind(cls):
    """Class decorator: register a model kind's config class in :data:`CONFIGS` under its
    ``KIND``."""
    CONFIGS[cls.KIND] = cls
    return cls


class PlainConfig:
    """``to_dict``/``from_dict`` for a frozen dataclass of numbers, strings and tuples."""

    def to_dict(self) -> dict:
        """Plain types only (lists, not tuples), for JSON and ``weights_only`` loads."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict):
        """The inverse of :meth:`to_dict`; fields missing from ``d`` take their defaults."""
        return cls(**{f.name: tuple(d[f.name]) if isinstance(d[f.name], list) else d[f.name]
                      for f in fields(cls) if f.name in d})
