"""gae_helpers.models.training: the one loop of the autoencoder, the VAE and the judge."""

import pytest
import torch

from gae_helpers.data.datasets import load_dataset
from gae_helpers.models.autoencoder import AutoencoderConfig
from gae_helpers.models.judge import JudgeConfig, train_judge
from gae_helpers.models.training import minibatch_training


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", n_train=100)


def test_a_step_that_raises_leaves_the_model_in_eval_mode_where_it_was(digits):
    """#34: an exception inside a step left the model in train mode (and, on a GPU, there)."""
    model = AutoencoderConfig("conv", digits.image_shape, 2).build().eval()
    steps = []

    def loss(output, target):
        steps.append(1)
        if len(steps) == 2:
            raise RuntimeError("a step that fails")
        return torch.nn.functional.binary_cross_entropy_with_logits(output, target)

    with pytest.raises(RuntimeError, match="a step that fails"):
        minibatch_training(model, digits.x_train, forward=lambda m, inputs, batch: m(inputs),
                           loss=loss, epochs=1, batch_size=32, learning_rate=1e-3,
                           device="cpu", precision="float32", progress=False)
    assert not model.training
    assert next(model.parameters()).device.type == "cpu"
    assert all(p.is_contiguous() for p in model.parameters())


def test_the_judge_trains_through_the_same_loop(digits, monkeypatch):
    from gae_helpers.models import judge, training

    calls = []
    monkeypatch.setattr(judge, "minibatch_training",
                        lambda *a, **k: calls.append(k) or training.minibatch_training(*a, **k))
    model = JudgeConfig(digits.image_shape, 10).build()
    history = train_judge(model, digits.x_train, digits.y_train, epochs=2, batch_size=32,
                          progress=False, device="cpu", precision="float32")
    assert len(history) == 2 and calls[0]["schedule"] == "cosine" and not model.training


@pytest.mark.parametrize("name, value", [("epochs", 0), ("batch_size", 1.5),
                                         ("learning_rate", 0.0), ("shift", -1),
                                         ("deform", 4.0), ("schedule", "steps")])
def test_bad_settings_name_the_parameter(digits, name, value):
    model = AutoencoderConfig("dense", digits.image_shape, 2).build()
    settings = {"epochs": 1, "batch_size": 32, "learning_rate": 1e-3, name: value}
    with pytest.raises(ValueError, match=f"The '{name}' parameter of minibatch_training"):
        minibatch_training(model, digits.x_train, forward=lambda m, i, b: m(i),
                           loss=lambda o, t: o.sum(), progress=False, **settings)
