import doctest
import json

import numpy as np
import pytest
import torch

from gae_helpers.models import checkpoint, vae
from gae_helpers.models.autoencoder import AutoencoderConfig, build_autoencoder, train_autoencoder
from gae_helpers.models.vae import (VAE, VAEConfig, decode, encode_mean, loss_terms, reconstruct,
                             sample_prior, train_or_load_vae, train_vae)

HAS_GENERIC_CACHE = hasattr(checkpoint, "train_or_load") and \
    "settings" in checkpoint.train_or_load.__code__.co_varnames


def config_for(architecture, shape=(1, 8, 8), latent_dim=4, beta=1.0):
    return VAEConfig(AutoencoderConfig(architecture, shape, latent_dim=latent_dim), beta=beta)


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


@pytest.mark.parametrize("architecture", ["conv", "dense"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 8, 8)])
def test_shapes(architecture, shape):
    model = config_for(architecture, shape, latent_dim=5).build(seed=0)
    assert isinstance(model, VAE)
    images = torch.rand(7, *shape)
    mu, logvar = model.encode_stats(images)
    assert mu.shape == logvar.shape == (7, 5)
    logits, mu2, logvar2 = model(images)
    assert logits.shape == images.shape and mu2.shape == logvar2.shape == (7, 5)
    codes = encode_mean(model, images, batch_size=3)
    assert codes.shape == (7, 5) and codes.dtype == np.float64
    decoded = decode(model, codes)
    assert decoded.shape == images.shape and 0 <= decoded.min() and decoded.max() <= 1
    assert reconstruct(model, images).shape == images.shape


@pytest.mark.parametrize("architecture", ["conv", "dense"])
def test_built_from_the_autoencoders_layers_with_a_doubled_encoder_output(architecture):
    config = config_for(architecture, latent_dim=3)
    model, ae = config.build(seed=7), build_autoencoder(config.autoencoder, seed=7)
    encoder_out = [m for m in model.encoder if isinstance(m, torch.nn.Linear)][-1]
    decoder_in = [m for m in model.decoder if isinstance(m, torch.nn.Linear)][0]
    assert encoder_out.out_features == 6 and decoder_in.in_features == 3
    # Same seed as the autoencoder: the decoder and all encoder layers but the last start equal.
    assert_same_weights(model.decoder, ae.decoder)
    last = str(len(model.encoder) - 1)
    ae_encoder = ae.encoder.state_dict()
    for key, value in model.encoder.state_dict().items():
        if not key.startswith(last + "."):
            assert torch.equal(value, ae_encoder[key]), key


def test_same_seed_same_weights_and_history(digits):
    config = config_for("conv")
    a, b, c = config.build(seed=3), config.build(seed=3), config.build(seed=4)
    assert_same_weights(a, b)
    assert not torch.equal(a.decoder[0].weight, c.decoder[0].weight)
    kwargs = dict(epochs=2, batch_size=64, seed=5, progress=False)
    history_a = train_vae(a, digits.x_train, **kwargs)
    history_b = train_vae(b, digits.x_train, **kwargs)
    assert history_a == history_b
    assert_same_weights(a, b)
    history_other = train_vae(config.build(seed=3), digits.x_train, **{**kwargs, "seed": 6})
    assert history_other != history_a


def test_build_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    config_for("dense").build(seed=0)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("architecture", ["conv", "dense"])
def test_training_lowers_the_loss_and_leaves_eval_mode(digits, architecture):
    model = config_for(architecture, latent_dim=8).build()
    history = train_vae(model, digits.x_train, epochs=4, batch_size=32, progress=False)
    assert len(history) == 4 and all(np.isfinite(history))
    assert history[-1] < history[0]
    # Per pixel, on the autoencoder's BCE scale: ln 2 per pixel is a coin flip.
    assert 0 < history[-1] < 1
    assert not model.training and next(model.parameters()).device.type == "cpu"


def test_history_is_per_pixel_and_on_the_aes_scale(digits):
    kwargs = dict(epochs=1, batch_size=400, progress=False, precision="float32")
    config = config_for("dense")
    model = config.build(seed=0)
    expected_model = config.build(seed=0)
    # One full batch: the history is the loss of the initial model, before its only step.
    order = torch.randperm(len(digits.x_train), generator=torch.Generator().manual_seed(0))
    images = digits.x_train[order]
    gen = torch.Generator().manual_seed(vae._noise_seed(0))
    with torch.no_grad():
        logits, mu, logvar = expected_model(images, generator=gen)
        rec, kl = loss_terms(logits, images, mu, logvar)
    history = train_vae(model, digits.x_train, **kwargs)
    assert history[0] == pytest.approx(float(rec + kl) / 64, rel=1e-4)
    ae_history = train_autoencoder(build_autoencoder(config.autoencoder), digits.x_train,
                                   **kwargs)
    assert 0.5 < history[0] / ae_history[0] < 2


def test_loss_terms():
    logits, images = torch.randn(3, 1, 2, 2), torch.rand(3, 1, 2, 2)
    mu, logvar = torch.randn(3, 2), torch.randn(3, 2)
    rec, kl = loss_terms(logits, images, mu, logvar)
    expected_rec = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, images, reduction="none").sum(dim=(1, 2, 3)).mean()
    assert float(rec) == pytest.approx(float(expected_rec), rel=1e-5)
    # KL(N(mu, sigma^2) || N(0, 1)) per dimension, summed, averaged over the images.
    var = logvar.exp()
    expected_kl = (0.5 * (var + mu ** 2 - 1 - logvar)).sum(dim=1).mean()
    assert float(kl) == pytest.approx(float(expected_kl), rel=1e-5)
    zeros = torch.zeros(3, 2)
    assert float(loss_terms(logits, images, zeros, zeros)[1]) == 0.0


def test_kl_term_pulls_the_codes_towards_the_prior(digits):
    norms = {}
    for beta in (1e-3, 20.0):
        model = config_for("dense", beta=beta).build(seed=0)
        train_vae(model, digits.x_train, epochs=6, batch_size=32, progress=False)
        codes = encode_mean(model, digits.x_test)
        norms[beta] = float(np.linalg.norm(codes, axis=1).mean())
    assert norms[20.0] < 0.5 * norms[1e-3]


@pytest.mark.parametrize("beta", [0, -1.0, float("nan"), float("inf"), True, "1", None])
def test_bad_beta_is_a_clear_error(beta):
    with pytest.raises(ValueError, match="beta .* must be a finite number > 0"):
        VAEConfig(AutoencoderConfig("dense", (1, 8, 8), 4), beta=beta)


def test_config_needs_an_autoencoder_config():
    with pytest.raises(TypeError, match="AutoencoderConfig"):
        VAEConfig({"architecture": "dense"})


def test_config_round_trip():
    config = VAEConfig(AutoencoderConfig("conv", (1, 8, 8), 6, widths=(8, 16), batch_norm=True),
                       beta=4)
    d = config.to_dict()
    assert json.loads(json.dumps(d)) == d  # plain python types only
    assert isinstance(d["beta"], float) and d["autoencoder"] == config.autoencoder.to_dict()
    assert VAEConfig.from_dict(json.loads(json.dumps(d))) == config
    assert VAEConfig.KIND == "vae" and "KIND" not in d
    assert config.latent_dim == 6 and config.image_shape == (1, 8, 8)


def test_encode_mean_is_deterministic_and_unsampled():
    model = config_for("conv").build()
    images = torch.rand(20, 1, 8, 8)
    first = encode_mean(model, images, batch_size=7)
    np.testing.assert_array_equal(first, encode_mean(model, images, batch_size=7))
    np.testing.assert_allclose(first, encode_mean(model, images, batch_size=100),
                               rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        mu, _ = model.encode_stats(images)
        mean_logits, _, _ = model(images, sample=False)
        sampled = [model(images, generator=torch.Generator().manual_seed(1))[0]
                   for _ in range(2)]
    np.testing.assert_allclose(first, mu.double().numpy(), rtol=1e-5, atol=1e-6)
    assert torch.equal(sampled[0], sampled[1])  # seeded noise
    assert not torch.allclose(sampled[0], mean_logits)
    np.testing.assert_allclose(reconstruct(model, images).numpy(),
                               torch.sigmoid(mean_logits).numpy(), rtol=1e-5, atol=1e-6)


def test_sample_prior():
    a, b = sample_prior(500, 3, random_state=0), sample_prior(500, 3, random_state=0)
    assert a.shape == (500, 3) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean()) < 0.15 and abs(a.std() - 1) < 0.1
    assert sample_prior(0, 2).shape == (0, 2)
    with pytest.raises(ValueError, match="The 'latent_dim' parameter of sample_prior must be"):
        sample_prior(3, 0)


def test_bad_inputs_are_clear_errors(digits):
    model = config_for("dense").build()
    with pytest.raises(ValueError, match="The 'epochs' parameter of minibatch_training must be"):
        train_vae(model, digits.x_train, epochs=0)
    with pytest.raises(ValueError, match="The 'learning_rate' parameter of minibatch_training"):
        train_vae(model, digits.x_train, epochs=1, learning_rate=0)
    with pytest.raises(ValueError, match=r"\(1, 28, 28\) do not fit .* \(1, 8, 8\)"):
        encode_mean(model, torch.rand(3, 1, 28, 28))
    with pytest.raises(ValueError, match=r"codes must have shape \(n, 4\)"):
        decode(model, np.zeros((2, 3)))


def test_doctests():
    result = doctest.testmod(vae, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.skipif(not HAS_GENERIC_CACHE,
                    reason="gae_helpers.models.checkpoint.train_or_load(config, train, ...) not there yet")
def test_train_or_load_vae_caches(digits, tmp_path):
    config = config_for("dense", beta=2.0)
    kwargs = dict(epochs=2, batch_size=64, progress=False, cache_dir=tmp_path)
    first = train_or_load_vae(digits.x_train, config, **kwargs)
    assert not first.from_cache and len(first.history) == 2
    second = train_or_load_vae(digits.x_train, config, **kwargs)
    assert second.from_cache and second.history == first.history
    assert isinstance(second.model, VAE) and second.model.config == config
    assert_same_weights(first.model, second.model)
    other = train_or_load_vae(digits.x_train, config_for("dense", beta=1.0), **kwargs)
    assert not other.from_cache and other.path != first.path
    loaded = train_or_load_vae(digits.x_train, config, **{**kwargs, "epochs": 5},
                               pretrained=first.path)
    assert loaded.origin == "checkpoint" and not loaded.from_cache
    assert loaded.history == first.history
    assert_same_weights(first.model, loaded.model)
