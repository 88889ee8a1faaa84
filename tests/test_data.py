import math
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import requires_data
from gae_helpers.data.datasets import (DatasetNotFoundError, load_dataset, load_other_images,
                              resolve_data_dir, validation_split)


def test_digits_are_float_images_in_unit_range():
    data = load_dataset("digits")
    assert data.x_train.shape[1:] == (1, 8, 8) and data.x_train.dtype == torch.float32
    assert len(data.x_train) + len(data.x_test) == 1797
    assert 0.0 == data.x_train.min() and data.x_train.max() == 1.0
    assert data.y_train.dtype == np.int64 and set(data.y_train) == set(range(10))
    assert data.class_names == tuple(str(d) for d in range(10))


def test_subsets_are_stratified_and_seeded():
    a = load_dataset("digits", n_train=200, n_test=50, seed=3)
    b = load_dataset("digits", n_train=200, n_test=50, seed=3)
    c = load_dataset("digits", n_train=200, n_test=50, seed=4)
    assert len(a.y_train) == 200 and len(a.y_test) == 50
    assert np.bincount(a.y_train).min() >= 19
    assert torch.equal(a.x_train, b.x_train)
    assert not torch.equal(a.x_train, c.x_train)


def test_subset_size_out_of_range():
    with pytest.raises(ValueError, match="n_train=5 is out of range"):
        load_dataset("digits", n_train=5)


def test_validation_split_holds_out_training_images_only():
    data = load_dataset("digits")
    fit, split = validation_split(data, fraction=0.25, seed=0)
    assert split.name == "digits-validation" and torch.equal(fit.x_train, split.x_train)
    assert torch.equal(fit.x_test, data.x_test)
    assert len(split.y_test) == math.ceil(0.25 * len(data.y_train))
    # together the two parts are exactly the training images, each once
    together = torch.cat([split.x_train, split.x_test]).flatten(1).sum(1).sort().values
    assert torch.equal(together, data.x_train.flatten(1).sum(1).sort().values)
    assert np.bincount(split.y_test).min() >= 30


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'.*digits, mnist, fashion-mnist"):
        load_dataset("cifar")


def test_missing_files_offline_say_where_and_what(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset("mnist", data_dir=tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path.resolve()) in message
    assert "GAE_DATA_DIR" in message
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message


def test_data_dir_argument_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GAE_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("GAE_DATA_DIR")
    assert str(resolve_data_dir()) == "data"


def test_other_images_without_a_name_are_skipped(capsys):
    assert load_other_images(None, (1, 8, 8)) is None
    assert "other_dataset=None" in capsys.readouterr().out


@requires_data("MNIST")
def test_mnist_has_60000_plus_10000_images():
    data = load_dataset("mnist")
    assert (len(data.x_train), len(data.x_test)) == (60000, 10000)
    assert data.x_train.shape[1:] == (1, 28, 28)
    assert float(data.x_train.max()) == 1.0 and float(data.x_train.min()) == 0.0


@requires_data("FashionMNIST")
def test_fashion_mnist_has_60000_plus_10000_images_and_names():
    data = load_dataset("fashion-mnist")
    assert (len(data.x_train), len(data.x_test)) == (60000, 10000)
    assert data.class_names[9] == "Ankle boot"
    small = load_other_images("fashion-mnist", (1, 8, 8), n=30)
    assert small.shape == (30, 1, 8, 8)


@pytest.fixture
def offline(monkeypatch):
    """torchvision's downloads fail at once, as they do without a network."""
    import torchvision

    def no_network(self):
        raise RuntimeError("Error downloading: <urlopen error [Errno -3] no network>")

    for cls in (torchvision.datasets.MNIST, torchvision.datasets.FashionMNIST):
        monkeypatch.setattr(cls, "download", no_network)


def test_another_dataset_asked_for_but_missing_is_a_clear_error(tmp_path, offline):
    with pytest.raises(DatasetNotFoundError,
                       match=r"(?s)other_dataset='mnist'.*GAE_DATA_DIR.*other_dataset=None"):
        load_other_images("mnist", (1, 8, 8), data_dir=tmp_path)


def test_another_dataset_chosen_by_auto_but_missing_warns(tmp_path, offline):
    from gae_helpers.run.parameters import check_parameters

    chosen = check_parameters({"dataset": "fashion-mnist", "other_dataset": "auto"})
    assert chosen["other_dataset"] == "mnist" and f"{chosen['other_dataset']}" == "mnist"
    with pytest.warns(UserWarning, match=r"(?s)other_dataset='auto' chose 'mnist'.*"
                                         r"other_dataset=None"):
        assert load_other_images(chosen["other_dataset"], (1, 8, 8), data_dir=tmp_path) is None


def test_a_download_that_fails_its_checksum_says_so(tmp_path, monkeypatch):
    import torchvision.datasets.mnist

    def corrupted(url, download_root, filename, md5):  # as torchvision fails a bad download
        (Path(download_root) / filename).write_bytes(b"<html>a proxy's error page</html>")
        raise RuntimeError("File not found or corrupted.")

    monkeypatch.setattr(torchvision.datasets.mnist, "download_and_extract_archive", corrupted)
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset("mnist", data_dir=tmp_path)
    message = str(info.value)
    assert "checksum" in message and "could not be downloaded" not in message
    assert str(tmp_path.resolve() / "MNIST" / "raw" / "train-images-idx3-ubyte.gz") in message
    assert "delete it" in message.lower()
