import json
import warnings

import pytest
import torch

import gae_helpers.models.autoencoder as autoencoder
from gae_helpers.models import checkpoint
from gae_helpers.models.autoencoder import (AutoencoderConfig, build_autoencoder, encode,
                                     train_or_load_autoencoder)
from gae_helpers.models.checkpoint import CheckpointMismatchError, load_model, save_model
from gae_helpers.models.device import resolve_precision

CONV = AutoencoderConfig("conv", (1, 8, 8), latent_dim=4)


def test_save_load_round_trip(tmp_path, digits):
    model = build_autoencoder(CONV, seed=1)
    save_model(model, tmp_path / "ae.pt", history=[0.5, 0.4])
    loaded, history = load_model(tmp_path / "ae.pt", expected_config=CONV)
    assert history == [0.5, 0.4]
    assert torch.equal(torch.as_tensor(encode(model, digits.x_test)),
                       torch.as_tensor(encode(loaded, digits.x_test)))
    assert [p.name for p in tmp_path.iterdir()] == ["ae.pt"]


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    save_model(build_autoencoder(CONV), tmp_path / "ae.pt")
    dense = AutoencoderConfig("dense", (1, 8, 8), latent_dim=4)
    with pytest.raises(CheckpointMismatchError, match="holds a autoencoder architecture conv.*"
                                                      "but a autoencoder architecture dense"):
        load_model(tmp_path / "ae.pt", expected_config=dense)


def test_not_a_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointMismatchError, match="not a readable checkpoint"):
        load_model(tmp_path / "junk.pt")
    torch.save({"format": checkpoint.FORMAT, "kind": "autoencoder", "config": CONV.to_dict(),
                "state_dict": {"bogus": torch.zeros(1)}, "history": []}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointMismatchError, match="do not fit"):
        load_model(tmp_path / "bad.pt")


def test_failed_save_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_save(obj, path):
        open(path, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_model(build_autoencoder(CONV), tmp_path / "ae.pt")
    assert list(tmp_path.iterdir()) == []


def _forbid_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained although the cache holds this model")

    monkeypatch.setattr(autoencoder, "train_autoencoder", no_training)


def test_cache_hit_skips_training(tmp_path, digits, monkeypatch):
    kwargs = dict(epochs=1, seed=0, progress=False, cache_dir=tmp_path)
    first = train_or_load_autoencoder(digits.x_train, CONV, **kwargs)
    assert not first.from_cache and first.path.is_file() and first.source == "trained"
    _forbid_training(monkeypatch)
    second = train_or_load_autoencoder(digits.x_train, CONV, **kwargs)
    assert second.from_cache and second.history == first.history
    assert second.source == "loaded from cache"
    assert torch.equal(torch.as_tensor(encode(first.model, digits.x_test)),
                       torch.as_tensor(encode(second.model, digits.x_test)))
    auto = resolve_precision("auto", torch.device("cpu"))
    other = "float32" if auto == torch.bfloat16 else "bfloat16"
    for changed in ({"seed": 1}, {"epochs": 2}, {"precision": other}):
        with pytest.raises(AssertionError, match="trained although"):
            train_or_load_autoencoder(digits.x_train, CONV, **{**kwargs, **changed})
    with pytest.raises(AssertionError, match="trained although"):
        train_or_load_autoencoder(digits.x_train[:-1], CONV, **kwargs)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_corrupt_cache_entry_warns_and_retrains(tmp_path, digits, damage):
    kwargs = dict(epochs=1, seed=0, progress=False, cache_dir=tmp_path)
    first = train_or_load_autoencoder(digits.x_train, CONV, **kwargs)
    data = first.path.read_bytes()
    first.path.write_bytes(data[:len(data) // 3] if damage == "truncate" else b"\0" * 100)
    with pytest.warns(RuntimeWarning, match="broken cache entry"):
        again = train_or_load_autoencoder(digits.x_train, CONV, **kwargs)
    assert not again.from_cache and again.history == first.history
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert train_or_load_autoencoder(digits.x_train, CONV, **kwargs).from_cache


def test_the_cache_key_holds_the_device_type(digits):
    common = dict(data=(digits.x_train,), settings={"epochs": 1}, precision="float32")
    on_cpu = checkpoint.cache_path(CONV, device="cpu", **common)
    on_cuda = checkpoint.cache_path(CONV, device="cuda", **common)
    assert on_cpu != on_cuda
    assert on_cpu == checkpoint.cache_path(CONV, device="cpu", **common)


def test_pretrained_checkpoint_is_loaded_instead_of_training(tmp_path, digits, monkeypatch):
    save_model(build_autoencoder(CONV, seed=3), tmp_path / "given.pt", history=[0.7])
    _forbid_training(monkeypatch)
    run = train_or_load_autoencoder(digits.x_train, CONV, epochs=5, progress=False,
                                    pretrained=tmp_path / "given.pt")
    assert run.origin == "checkpoint" and not run.from_cache and run.history == [0.7]
    assert run.source == "loaded from given.pt"
    dense = AutoencoderConfig("dense", (1, 8, 8), latent_dim=4)
    with pytest.raises(CheckpointMismatchError):
        train_or_load_autoencoder(digits.x_train, dense, epochs=1,
                                  pretrained=tmp_path / "given.pt")


def test_cache_dir_comes_from_the_environment(tmp_path, digits, monkeypatch):
    monkeypatch.setenv("GAE_CACHE_DIR", str(tmp_path / "env-cache"))
    run = train_or_load_autoencoder(digits.x_train, CONV, epochs=1, progress=False)
    assert run.path.parent == tmp_path / "env-cache"


def test_batch_norm_config_round_trips(tmp_path):
    config = AutoencoderConfig("conv", (1, 8, 8), latent_dim=3, batch_norm=True)
    model = build_autoencoder(config)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    save_model(model, tmp_path / "bn.pt")
    loaded, _ = load_model(tmp_path / "bn.pt", expected_config=config)
    assert loaded.config.batch_norm
    with pytest.raises(CheckpointMismatchError, match="holds a"):
        load_model(tmp_path / "bn.pt", expected_config=CONV)


def _edited(monkeypatch, module_file):
    """Make every read of gae_helpers/models/<module_file> see an edited source."""
    real = checkpoint.Path.read_bytes
    package = checkpoint.Path(checkpoint.__file__).resolve().parent

    def read_bytes(path):
        text = real(path)
        if path.resolve() == package / module_file:
            text += b"\n# edited\n"
        return text

    monkeypatch.setattr(checkpoint.Path, "read_bytes", read_bytes)


# (autoencoder, VAE, judge): all three train through one loop (which can warp the inputs); the
# judge never uses the autoencoder.
@pytest.mark.parametrize("edited, retrains", [("augment.py", [True, True, True]),
                                              ("training.py", [True, True, True]),
                                              ("device.py", [True, True, True]),
                                              ("autoencoder.py", [True, True, False]),
                                              ("progress.py", [False, False, False])])
def test_an_edit_of_the_training_code_changes_the_cache_key(digits, monkeypatch, edited,
                                                             retrains):
    from gae_helpers.models.judge import JudgeConfig
    from gae_helpers.models.vae import VAEConfig

    configs = [CONV, VAEConfig(CONV), JudgeConfig((1, 8, 8), n_classes=10)]
    common = dict(data=(digits.x_train,), settings={"epochs": 1}, precision="float32",
                  device="cpu")
    before = [checkpoint.cache_path(config, **common) for config in configs]
    _edited(monkeypatch, edited)
    after = [checkpoint.cache_path(config, **common) for config in configs]
    changed = [a != b for a, b in zip(before, after)]
    assert changed == retrains, f"{edited}: {changed}"


def test_trained_says_where_the_model_came_from(tmp_path, digits, monkeypatch):
    from gae_helpers.models import shipped
    from gae_helpers.models.judge import JudgeConfig

    models = tmp_path / "models"
    monkeypatch.setenv(shipped.MODELS_DIR_ENV, str(models))
    judge_config = JudgeConfig((1, 8, 8), n_classes=10)
    save_model(judge_config.build(), models / "digits" / "judge.pt", history=[0.1])
    save_model(build_autoencoder(CONV, seed=3), models / "digits" / "walkthrough" / "ae.pt")
    save_model(build_autoencoder(CONV, seed=3), tmp_path / "given.pt")
    (models / shipped.MANIFEST).write_text(json.dumps({
        name: {"sha256": shipped.sha256(models / name), "train_seconds": 1.0}
        for name in ("digits/judge.pt", "digits/walkthrough/ae.pt")}))
    kwargs = dict(epochs=1, seed=0, progress=False, cache_dir=tmp_path / "cache")
    runs = {"trained": train_or_load_autoencoder(digits.x_train, CONV, **kwargs),
            "cache": train_or_load_autoencoder(digits.x_train, CONV, **kwargs),
            "checkpoint": train_or_load_autoencoder(digits.x_train, CONV, **kwargs,
                                                    pretrained=tmp_path / "given.pt"),
            "shipped": train_or_load_autoencoder(
                digits.x_train, CONV, **kwargs,
                pretrained=models / "digits" / "walkthrough" / "ae.pt"),
            "shipped judge": shipped.load_judge("digits", judge_config)}
    assert {name: (run.origin, run.from_cache) for name, run in runs.items()} == {
        "trained": ("trained", False), "cache": ("cache", True),
        "checkpoint": ("checkpoint", False), "shipped": ("shipped", False),
        "shipped judge": ("shipped", False)}
    assert "shipped" in runs["shipped judge"].source  # the printed text is unchanged
    with pytest.raises(ValueError, match="origin"):
        checkpoint.Trained(runs["cache"].model, [], None, "downloaded", 0.0)


def test_a_bug_while_loading_is_raised_not_taken_for_a_broken_file(tmp_path, monkeypatch):
    save_model(build_autoencoder(CONV), tmp_path / "ae.pt")

    def buggy(*args, **kwargs):
        raise AttributeError("a bug, not a broken file")

    monkeypatch.setattr(checkpoint.torch, "load", buggy)
    with pytest.raises(AttributeError, match="a bug"):
        load_model(tmp_path / "ae.pt")
