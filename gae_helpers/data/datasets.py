"""Datasets for the walkthrough notebooks (section "Setup and parameters").

Three datasets share one shape: float images in [0, 1] as tensors of shape
``(n, 1, height, width)``, integer labels as NumPy arrays, and class names.

* ``digits``: scikit-learn's built-in 8x8 digits (no download; the default of
  the headless demo and of the tests).
* ``mnist`` and ``fashion-mnist``: through :mod:`torchvision.datasets`, which
  downloads them into the data directory unless the files are already there.

The data directory is chosen by an explicit argument, else the ``GAE_DATA_DIR``
environment variable, else ``./data``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

DATA_DIR_ENV = "GAE_DATA_DIR"

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
_TORCHVISION = {
    "mnist": ("MNIST", tuple(str(d) for d in range(10))),
    "fashion-mnist": ("FashionMNIST", FASHION_CLASSES),
}
RAW_FILES = (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
)
DATASETS = ("digits", "mnist", "fashion-mnist")


class DatasetNotFoundError(FileNotFoundError):
    """The dataset's files are not in the data directory and could not be downloaded (or the
    download failed its checksum)."""


class AutoChoice(str):
    """A dataset name that a parameter's ``"auto"`` chose, not the user: equal to, and printed
    as, the plain name. :func:`load_other_images` warns where it cannot load such a dataset,
    and raises where the user named it."""


@dataclass(frozen=True)
class Dataset:
    """Train and test splits of one dataset.

    Attributes
    ----------
    name : str
        One of :data:`DATASETS`.
    x_train, x_test : torch.Tensor
        Float32 images in [0, 1], shape ``(n, 1, height, width)``.
    y_train, y_test : numpy.ndarray
        Integer labels, shape ``(n,)``.
    class_names : tuple of str
        ``class_names[k]`` names label ``k``.
    """

    name: str
    x_train: torch.Tensor
    y_train: np.ndarray
    x_test: torch.Tensor
    y_test: np.ndarray
    class_names: tuple

    @property
    def image_shape(self) -> tuple:
        """``(channels, height, width)`` of one image."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: {len(self.x_train)} train + {len(self.x_test)} test "
                f"images of {self.image_shape}, {len(self.class_names)} classes)")


def resolve_data_dir(data_dir=None) -> Path:
    """Return the data directory: ``data_dir``, else ``$GAE_DATA_DIR``, else ``./data``."""
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get(DATA_DIR_ENV) or "data"
    return Path(data_dir).expanduser()


def load_dataset(name: str, data_dir=None, n_train=None, n_test=None, seed: int = 0,
                 download: bool = True) -> Dataset:
    """Load a dataset as float images in [0, 1] (section "Setup and parameters").

    Parameters
    ----------
    name : {"digits", "mnist", "fashion-mnist"}
        Which dataset.
    data_dir : str or Path, optional
        Where torchvision finds or downloads MNIST and Fashion-MNIST. Default:
        ``$GAE_DATA_DIR``, else ``./data``. Unused for ``digits``.
    n_train, n_test : int, optional
        Keep a stratified random subset of this many images of each split
        (``None`` keeps all).
    seed : int
        Seed of the subsets (and of the digits train/test split).
    download : bool
        Let torchvision download missing files.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> data = load_dataset("digits", n_train=200)
    >>> data.x_train.shape, data.class_names[:3]
    (torch.Size([200, 1, 8, 8]), ('0', '1', '2'))
    """
    key = str(name).lower().replace("_", "-")
    if key == "fashionmnist":
        key = "fashion-mnist"
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}: choose one of {', '.join(DATASETS)}.")
    if key == "digits":
        data = _load_digits(seed)
    else:
        data = _load_torchvision(key, resolve_data_dir(data_dir), download)
    return subsample(data, n_train=n_train, n_test=n_test, seed=seed)


def subsample(data: Dataset, n_train=None, n_test=None, seed: int = 0) -> Dataset:
    """Keep stratified random subsets of ``n_train`` and ``n_test`` images."""
    x_train, y_train = _stratified_subset(data.x_train, data.y_train, n_train, seed, "n_train")
    x_test, y_test = _stratified_subset(data.x_test, data.y_test, n_test, seed + 1, "n_test")
    return replace(data, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def validation_split(data: Dataset, fraction: float = 1 / 6, seed: int = 0):
    """Hold out a stratified share of the training images (section "Setup and parameters").

    Returns
    -------
    fit : Dataset
        ``data`` with only the remaining training images (its test split unchanged).
    held_out : Dataset
        A dataset whose *test* split is the held-out images (its train split is ``fit``'s):
        what defaults are chosen on and thresholds set on, never touching the real test images.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}.")
    from sklearn.model_selection import train_test_split

    idx_train, idx_val = train_test_split(
        np.arange(len(data.y_train)), test_size=fraction, stratify=data.y_train, random_state=seed)
    idx_train, idx_val = np.sort(idx_train), np.sort(idx_val)
    fit = replace(data, x_train=data.x_train[idx_train], y_train=data.y_train[idx_train])
    held_out = replace(fit, name=f"{data.name}-validation", x_test=data.x_train[idx_val],
                       y_test=data.y_train[idx_val])
    return fit, held_out


def _stratified_subset(x, y, n, seed, what):
    if n is None or n == len(y):
        return x, y
    n = int(n)
    n_classes = len(np.unique(y))
    if not n_classes <= n <= len(y):
        raise ValueError(f"{what}={n} is out of range: choose between {n_classes} (one image "
                         f"per class) and {len(y)} (all images), or None for all.")
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    idx = np.sort(idx)
    return x[idx], y[idx]


def _load_digits(seed):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = torch.from_numpy((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = digits.target.astype(np.int64)
    idx_train, idx_test = train_test_split(
        np.arange(len(labels)), test_size=0.2, stratify=labels, random_state=seed)
    idx_train, idx_test = np.sort(idx_train), np.sort(idx_test)
    return Dataset("digits", images[idx_train], labels[idx_train], images[idx_test],
                   labels[idx_test], tuple(str(d) for d in range(10)))


def _load_torchvision(key, root, download):
    import torchvision

    folder, class_names = _TORCHVISION[key]
    raw = root / folder / "raw"
    have_files = all((raw / f).is_file() for f in RAW_FILES)
    if not have_files and not download:
        raise _not_found(key, root, raw, "download=False")
    cls = getattr(torchvision.datasets, folder)
    splits = []
    try:
        for train in (True, False):
            ds = cls(root=str(root), train=train, download=download)
            images = ds.data.to(torch.float32).div_(255.0).unsqueeze(1)
            splits.append((images, ds.targets.numpy().astype(np.int64)))
    except (RuntimeError, OSError) as exc:
        corrupted = _failed_checksums(cls, raw)
        if corrupted:
            raise DatasetNotFoundError(
                f"Dataset {key!r}: the downloaded file {corrupted[0]} failed its MD5 checksum "
                f"(a partial download, or a proxy's page saved under its name), so it was not "
                f"used. Delete it and run again to download it anew, or put the verified files "
                f"{', '.join(RAW_FILES)} in {raw.resolve()} (the data directory comes from the "
                f"data_dir argument, else {DATA_DIR_ENV}).") from exc
        raise _not_found(key, root, raw, f"{type(exc).__name__}: {exc}") from exc
    (x_train, y_train), (x_test, y_test) = splits
    return Dataset(key, x_train, y_train, x_test, y_test, class_names)


def _failed_checksums(cls, raw) -> list:
    """The files of ``raw`` that torchvision downloaded for ``cls`` and whose MD5 is wrong."""
    from torchvision.datasets.utils import check_integrity

    return [raw.resolve() / name for name, md5 in getattr(cls, "resources", ())
            if (raw / name).is_file() and not check_integrity(str(raw / name), md5)]


def _not_found(key, root, raw, reason):
    return DatasetNotFoundError(
        f"Dataset {key!r} is not in {root.resolve()} and could not be downloaded ({reason}). "
        f"Expected the files {', '.join(RAW_FILES)} in {raw.resolve()}. Point the "
        f"{DATA_DIR_ENV} environment variable (or the data_dir argument) at a folder that "
        f"holds {raw.parent.name}/raw/, or connect to the internet so torchvision can download "
        f"them.")


def resize_images(images: torch.Tensor, image_shape) -> torch.Tensor:
    """Resize ``(n, 1, h, w)`` images to ``image_shape`` by area averaging."""
    size = tuple(image_shape[-2:])
    if tuple(images.shape[-2:]) == size:
        return images
    return torch.nn.functional.interpolate(images, size=size, mode="area")


def load_other_images(name, image_shape, n: int = 2000, data_dir=None, seed: int = 0):
    """Test images of another dataset, resized to ``image_shape``, for the reject option
    (section "The 'none' option").

    Parameters
    ----------
    name : {"mnist", "fashion-mnist", "digits"} or None
        The notebook's ``other_dataset``: ``None`` returns ``None`` (after printing so) and the
        section skips that comparison.
    image_shape : tuple of int
        ``(channels, height, width)`` to resize to.
    n : int
        Keep a stratified random subset of this many test images.
    data_dir, seed
        As for :func:`load_dataset`.

    Raises
    ------
    DatasetNotFoundError
        ``name`` cannot be found nor downloaded, and the user named it. Where ``"auto"``
        chose it (an :class:`AutoChoice`), a warning says so instead and ``None`` is returned.
    """
    if name is None:
        print("No other dataset asked for (other_dataset=None).")
        return None
    try:
        data = load_dataset(name, data_dir)
    except DatasetNotFoundError as exc:
        if isinstance(name, AutoChoice):
            warnings.warn(f"other_dataset='auto' chose {str(name)!r}, which cannot be loaded, so "
                          f"no other dataset's images are compared: {exc} Set "
                          f"other_dataset=None to skip them without this warning.",
                          stacklevel=2)
            return None
        raise DatasetNotFoundError(
            f"other_dataset={str(name)!r} was asked for but cannot be loaded: {exc} Or set "
            f"other_dataset=None to skip the comparison with another dataset's images.") from exc
    n = min(int(n), len(data.y_test))
    data = subsample(data, n_test=n, n_train=None, seed=seed) if n < len(data.y_test) else data
    return resize_images(data.x_test, image_shape)
