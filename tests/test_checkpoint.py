import pytest
import torch

import gae_helpers.checkpoint as checkpoint
from gae_helpers.autoencoder import AutoencoderConfig, build_autoencoder, encode
from gae_helpers.checkpoint import (CheckpointMismatchError, load_autoencoder, save_autoencoder,
                                    train_or_load)

CONV = AutoencoderConfig("conv", (1, 8, 8), latent_dim=4)


def test_save_load_round_trip(tmp_path, digits):
    model = build_autoencoder(CONV, seed=1)
    save_autoencoder(model, tmp_path / "ae.pt", history=[0.5, 0.4])
    loaded, history = load_autoencoder(tmp_path / "ae.pt", expected_config=CONV)
    assert history == [0.5, 0.4]
    assert torch.equal(torch.as_tensor(encode(model, digits.x_test)),
                       torch.as_tensor(encode(loaded, digits.x_test)))
    assert [p.name for p in tmp_path.iterdir()] == ["ae.pt"]


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    save_autoencoder(build_autoencoder(CONV), tmp_path / "ae.pt")
    dense = AutoencoderConfig("dense", (1, 8, 8), latent_dim=4)
    with pytest.raises(CheckpointMismatchError, match="holds a 'conv' .* but a 'dense'"):
        load_autoencoder(tmp_path / "ae.pt", expected_config=dense)


def test_not_a_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointMismatchError, match="not a readable autoencoder checkpoint"):
        load_autoencoder(tmp_path / "junk.pt")
    torch.save({"format": "gae-autoencoder/1", "config": CONV.to_dict(),
                "state_dict": {"bogus": torch.zeros(1)}, "history": []}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointMismatchError, match="do not fit"):
        load_autoencoder(tmp_path / "bad.pt")


def test_failed_save_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_save(obj, path):
        open(path, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_autoencoder(build_autoencoder(CONV), tmp_path / "ae.pt")
    assert list(tmp_path.iterdir()) == []


def test_cache_hit_skips_training(tmp_path, digits, monkeypatch):
    kwargs = dict(epochs=1, seed=0, progress=False, cache_dir=tmp_path)
    first = train_or_load(digits.x_train, CONV, **kwargs)
    assert not first.from_cache and first.path.is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the cache holds this model")

    monkeypatch.setattr(checkpoint, "train_autoencoder", no_training)
    second = train_or_load(digits.x_train, CONV, **kwargs)
    assert second.from_cache and second.history == first.history
    assert torch.equal(torch.as_tensor(encode(first.model, digits.x_test)),
                       torch.as_tensor(encode(second.model, digits.x_test)))
    with pytest.raises(AssertionError, match="trained although"):
        train_or_load(digits.x_train, CONV, **{**kwargs, "seed": 1})
    with pytest.raises(AssertionError, match="trained although"):
        train_or_load(digits.x_train[:-1], CONV, **kwargs)


def test_cache_dir_comes_from_the_environment(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("GAE_CACHE_DIR", str(tmp_path / "env-cache"))
    run = train_or_load(digits.x_train, CONV, epochs=1, progress=False)
    assert run.path.parent == tmp_path / "env-cache"


def test_batch_norm_config_round_trips(tmp_path):
    config = AutoencoderConfig("conv", (1, 8, 8), latent_dim=3, batch_norm=True)
    model = build_autoencoder(config)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    save_autoencoder(model, tmp_path / "bn.pt")
    loaded, _ = load_autoencoder(tmp_path / "bn.pt", expected_config=config)
    assert loaded.config.batch_norm
    with pytest.raises(CheckpointMismatchError, match="holds a"):
        load_autoencoder(tmp_path / "bn.pt", expected_config=CONV)
