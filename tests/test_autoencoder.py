import numpy as np
import pytest
import torch

from gae_helpers.models.autoencoder import (AutoencoderConfig, build_autoencoder, decode, encode,
                                     reconstruct, train_autoencoder)


@pytest.mark.parametrize("architecture", ["conv", "dense"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 8, 8)])
def test_shapes(architecture, shape):
    model = build_autoencoder(AutoencoderConfig(architecture, shape, latent_dim=5))
    images = torch.rand(7, *shape)
    assert model(images).shape == images.shape
    codes = encode(model, images, batch_size=3)
    assert codes.shape == (7, 5) and codes.dtype == np.float64
    decoded = decode(model, codes)
    assert decoded.shape == images.shape
    assert 0 <= decoded.min() and decoded.max() <= 1


def test_batched_encoding_matches_one_batch():
    model = build_autoencoder(AutoencoderConfig("conv", (1, 8, 8), latent_dim=4))
    images = torch.rand(50, 1, 8, 8)
    np.testing.assert_allclose(encode(model, images, batch_size=7),
                               encode(model, images, batch_size=100), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"latent_dim": 0}, "latent_dim == 0, must be >= 1"),
    ({"latent_dim": 2.5}, "latent_dim must be an instance of int, not float"),
    ({"architecture": "vae"}, "Unknown architecture 'vae': choose one of conv, dense"),
    ({"image_shape": (1, 10, 10)}, "divisible by 4, got 10x10"),
])
def test_bad_configs_are_clear_errors(kwargs, message):
    args = {"architecture": "conv", "image_shape": (1, 8, 8), "latent_dim": 4, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        AutoencoderConfig(**args)


def test_epochs_below_one_is_a_clear_error(digits):
    model = build_autoencoder(AutoencoderConfig("dense", digits.image_shape, 4))
    with pytest.raises(ValueError, match=r"The 'epochs' parameter of train_autoencoder must be an "
                                         r"int in the range \[1, inf\)\. Got 0 instead"):
        train_autoencoder(model, digits.x_train, epochs=0)


def test_wrong_image_shape_is_a_clear_error():
    model = build_autoencoder(AutoencoderConfig("dense", (1, 8, 8), 4))
    with pytest.raises(ValueError, match=r"\(1, 28, 28\) do not fit .* \(1, 8, 8\)"):
        encode(model, torch.rand(3, 1, 28, 28))


@pytest.mark.parametrize("architecture", ["conv", "dense"])
def test_training_lowers_the_loss_and_leaves_eval_mode(digits, architecture):
    model = build_autoencoder(AutoencoderConfig(architecture, digits.image_shape, 8))
    history = train_autoencoder(model, digits.x_train, epochs=4, batch_size=32, progress=False)
    assert len(history) == 4
    assert history[-1] < history[0]
    assert not model.training and next(model.parameters()).device.type == "cpu"


def test_same_seed_same_model(digits):
    runs = []
    for _ in range(2):
        model = build_autoencoder(AutoencoderConfig("conv", digits.image_shape, 4), seed=5)
        history = train_autoencoder(model, digits.x_train, epochs=2, seed=5, progress=False)
        runs.append((history, encode(model, digits.x_test)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_on_epoch_end_sees_each_epoch(digits):
    model = build_autoencoder(AutoencoderConfig("dense", digits.image_shape, 4))
    seen = []
    train_autoencoder(model, digits.x_train, epochs=3, progress=False,
                      on_epoch_end=lambda m, epoch, loss: seen.append((epoch, loss)))
    assert [e for e, _ in seen] == [1, 2, 3]


def test_reconstruction_is_close_after_training(digits):
    model = build_autoencoder(AutoencoderConfig("dense", digits.image_shape, 16))
    train_autoencoder(model, digits.x_train, epochs=20, batch_size=16, progress=False)
    error = float(((reconstruct(model, digits.x_test) - digits.x_test) ** 2).mean())
    baseline = float(((digits.x_train.mean(0) - digits.x_test) ** 2).mean())
    assert error < 0.5 * baseline


def test_precision_choices(digits):
    model = build_autoencoder(AutoencoderConfig("conv", digits.image_shape, 4))
    with pytest.raises(ValueError, match="Unknown precision 'half'"):
        train_autoencoder(model, digits.x_train, epochs=1, precision="half")
    for precision in ("float32", "bfloat16"):
        model = build_autoencoder(AutoencoderConfig("conv", digits.image_shape, 4))
        history = train_autoencoder(model, digits.x_train, epochs=2, precision=precision,
                                    progress=False)
        assert np.isfinite(history).all() and history[1] < history[0]
        assert next(model.parameters()).dtype == torch.float32


@pytest.mark.parametrize("kwargs, message", [
    ({"consistency": 1.0}, "consistency pulls together the codes of deformed images: set deform"),
    ({"consistency": -1.0, "deform": 1.0}, r"'consistency' parameter .* range \[0.0, 100.0\]"),
    ({"deform": 4.0}, r"'deform' parameter .* range \[0.0, 3.0\]. Got 4.0"),
])
def test_bad_deformation_settings_are_clear_errors(digits, kwargs, message):
    model = build_autoencoder(AutoencoderConfig("dense", digits.image_shape, 4))
    with pytest.raises(ValueError, match=message):
        train_autoencoder(model, digits.x_train, epochs=1, progress=False, **kwargs)


def _deformation_spread(model, images):
    """Mean squared distance between the codes of warped and clean images, over the codes'
    variance: 0 when the codes ignore the warps."""
    from gae_helpers.models.augment import random_affine

    clean = encode(model, images)
    warped = encode(model, random_affine(images, 1.0, torch.Generator().manual_seed(1)))
    return float(((warped - clean) ** 2).mean() / clean.var(axis=0).mean())


def test_consistency_pulls_the_codes_of_deformations_together(digits):
    images = torch.as_tensor(digits.x_train, dtype=torch.float32)
    spreads = {}
    for weight in (0.0, 1.0):
        model = build_autoencoder(AutoencoderConfig("dense", digits.image_shape, 8))
        train_autoencoder(model, images, epochs=8, batch_size=32, deform=1.0,
                          consistency=weight, progress=False)
        spreads[weight] = _deformation_spread(model, images)
    assert spreads[1.0] < 0.7 * spreads[0.0], spreads


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_standardised_codes_are_a_model_of_their_own(digits, tmp_path, architecture):
    from gae_helpers.models.autoencoder import standardise_codes
    from gae_helpers.models.checkpoint import load_model, save_model

    model = AutoencoderConfig(architecture, (1, 8, 8), latent_dim=3).build(seed=0)
    scaled = standardise_codes(model, digits.x_train)
    codes = encode(scaled, digits.x_test)
    images = decode(scaled, codes)
    with torch.no_grad():  # an edit of the original's weights leaves the copy alone
        for parameter in model.parameters():
            parameter.add_(1.0)
    np.testing.assert_array_equal(encode(scaled, digits.x_test), codes)
    assert torch.equal(decode(scaled, codes), images)
    save_model(scaled, tmp_path / "scaled.pt")
    loaded, _ = load_model(tmp_path / "scaled.pt", expected_config=scaled.config)
    np.testing.assert_array_equal(encode(loaded, digits.x_test), codes)
    assert torch.equal(decode(loaded, codes), images)
    again = standardise_codes(loaded, digits.x_train)  # standardising twice changes nothing
    np.testing.assert_allclose(encode(again, digits.x_test), codes, atol=1e-5)
    from gae_helpers.models.vae import VAEConfig

    with pytest.raises(ValueError, match="standardised=False"):
        VAEConfig(scaled.config)
