import json

import numpy as np
import pytest
import torch

import gae_helpers.models.judge as judge
from gae_helpers.models.checkpoint import config_class, load_model, save_model
from gae_helpers.models.judge import Judge, JudgeConfig

SMALL = JudgeConfig(image_shape=(1, 8, 8), widths=(16, 32), hidden=64)


@pytest.fixture(scope="module")
def trained(digits):
    """A judge trained on the 400 digits (a few seconds), with its loss history."""
    model = SMALL.build(seed=0)
    history = judge.train_judge(model, digits.x_train, digits.y_train, epochs=25,
                                batch_size=32, seed=0, progress=False)
    return model, history


def test_config_round_trips_through_plain_json():
    config = JudgeConfig(image_shape=(1, 8, 8), n_classes=3, widths=(8,), hidden=16,
                         dropout=0.0)
    d = json.loads(json.dumps(config.to_dict()))
    assert d["image_shape"] == [1, 8, 8] and d["widths"] == [8]
    assert JudgeConfig.from_dict(d) == config
    assert JudgeConfig.KIND == "judge" and config_class("judge") is JudgeConfig


@pytest.mark.parametrize("kwargs, message", [
    ({"image_shape": (1, 4, 4), "widths": (8, 8, 8)}, "sides >= 8"),
    ({"image_shape": (28, 28)}, "channels, height, width"),
    ({"n_classes": 1}, "n_classes == 1, must be >= 2"),
    ({"widths": ()}, "at least one conv layer"),
    ({"widths": (32, 0)}, "widths == 0, must be >= 1"),
    ({"hidden": 2.5}, "hidden must be an instance of int, not float"),
    ({"dropout": 1.0}, r"dropout == 1.0, must be < 1"),
])
def test_bad_config_is_a_clear_error(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        JudgeConfig(**kwargs)


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 12, 10)])
def test_judge_shapes(shape):
    config = JudgeConfig(image_shape=shape, n_classes=4, hidden=20)
    model = config.build(seed=0).eval()
    x = torch.rand(5, *shape, generator=torch.Generator().manual_seed(0))
    assert isinstance(model, Judge) and model.config is config
    assert model(x).shape == (5, 4)
    feats = judge.features(model, x)
    assert feats.shape == (5, 20) and feats.dtype == np.float64 and (feats >= 0).all()
    proba = judge.predict_proba(model, x, batch_size=2)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(proba, torch.softmax(model(x).double(), 1).detach().numpy(),
                               atol=1e-6)


def test_build_is_seeded_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b, c = SMALL.build(seed=3), SMALL.build(seed=3), SMALL.build(seed=4)
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_training_learns_the_digits(trained, digits):
    model, history = trained
    assert len(history) == 25 and history[-1] < 0.5 * history[0]
    assert not model.training and next(model.parameters()).device.type == "cpu"
    assert judge.accuracy(model, digits.x_test, digits.y_test) >= 0.85


def test_training_is_reproducible(digits):
    runs = []
    for _ in range(2):
        model = SMALL.build(seed=1)
        runs.append(judge.train_judge(model, digits.x_train[:96], digits.y_train[:96],
                                      epochs=2, batch_size=32, seed=5, precision="float32",
                                      progress=False))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5)


def test_judge_samples(trained, digits):
    model, _ = trained
    proba = judge.predict_proba(model, digits.x_test)
    scores = judge.judge_samples(model, digits.x_test, digits.y_test)
    assert scores["judge_agreement"] == pytest.approx(judge.accuracy(model, digits.x_test,
                                                                     digits.y_test))
    assert scores["judge_confidence"] == pytest.approx(proba.max(axis=1).mean())
    assert 0.1 <= scores["judge_confidence"] <= 1.0
    # Uniform noise looks like no digit: the judge agrees with an arbitrary label less often.
    noise = torch.rand(100, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    wrong = (digits.y_test + 1) % 10
    assert judge.judge_samples(model, digits.x_test, wrong)["judge_agreement"] < 0.2
    assert judge.judge_samples(model, noise)["judge_agreement"] is None


def test_bad_inputs_are_clear_errors(digits):
    model = SMALL.build()
    with pytest.raises(ValueError, match=r"do not fit a judge built for \(1, 8, 8\)"):
        judge.predict_proba(model, torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"class indices 0..9"):
        judge.train_judge(model, digits.x_train[:4], np.array([0, 1, 2, 10]), epochs=1,
                          progress=False)
    with pytest.raises(ValueError, match="drawn_labels must be 3 whole numbers"):
        judge.judge_samples(model, digits.x_test[:3], [0, 1])
    with pytest.raises(ValueError, match="The 'epochs' parameter of minibatch_training must be"):
        judge.train_judge(model, digits.x_train, digits.y_train, epochs=0, progress=False)


def test_train_or_load_uses_the_cache(tmp_path, digits, monkeypatch):
    kwargs = dict(epochs=1, batch_size=64, cache_dir=tmp_path, progress=False)
    first = judge.train_or_load_judge(digits.x_train, digits.y_train, SMALL, **kwargs)
    assert not first.from_cache and len(first.history) == 1 and first.path.is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the cache holds this judge")

    monkeypatch.setattr(judge, "train_judge", no_training)
    second = judge.train_or_load_judge(digits.x_train, digits.y_train, SMALL, **kwargs)
    assert second.from_cache and second.history == first.history
    np.testing.assert_array_equal(judge.predict_proba(first.model, digits.x_test),
                                  judge.predict_proba(second.model, digits.x_test))
    # Other labels are other training data: no stale judge.
    with pytest.raises(AssertionError, match="trained although"):
        judge.train_or_load_judge(digits.x_train, (digits.y_train + 1) % 10, SMALL, **kwargs)


def test_pretrained_checkpoint_loads_instead_of_training(tmp_path, trained, digits,
                                                         monkeypatch):
    model, history = trained
    save_model(model, tmp_path / "judge.pt", history)
    loaded, loaded_history = load_model(tmp_path / "judge.pt", expected_config=SMALL)
    assert isinstance(loaded, Judge) and loaded_history == pytest.approx(history)
    monkeypatch.setattr(judge, "train_judge", None)  # would fail if called
    run = judge.train_or_load_judge(digits.x_train, digits.y_train, SMALL,
                                    pretrained=tmp_path / "judge.pt", progress=False)
    np.testing.assert_array_equal(judge.predict_proba(run.model, digits.x_test),
                                  judge.predict_proba(model, digits.x_test))


def test_inference_runs_channels_last_and_leaves_the_model_as_it_was():
    from gae_helpers.models.device import run_batched

    model = JudgeConfig(image_shape=(1, 8, 8), n_classes=3, widths=(4, 6)).build(seed=0)
    images = torch.rand(300, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        plain = model.eval().features(images).double().numpy()
    out = run_batched(model, model.features, images, batch_size=128, device="cpu")
    np.testing.assert_allclose(out, plain, rtol=1e-5, atol=1e-6)
    assert all(p.is_contiguous() for p in model.parameters())
    model.to(memory_format=torch.channels_last)  # a model kept channels-last stays so
    run_batched(model, model.features, images, batch_size=128, device="cpu")
    assert not model.conv[3].weight.is_contiguous()  # (6, 4, 3, 3): the layouts differ
    assert model.conv[3].weight.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("value, refused", [(float("nan"), True), (float("inf"), True),
                                            (3e38, False)])
def test_non_finite_images_are_refused_and_huge_finite_ones_are_not(value, refused):
    from gae_helpers.models.device import check_images

    images = torch.zeros(4, 1, 8, 8)
    images[1, 0, 2, 3] = images[2, 0, 1, 1] = value  # 6e38: the sum overflows, no value does
    config = JudgeConfig(image_shape=(1, 8, 8), n_classes=3)
    if refused:
        with pytest.raises(ValueError, match="NaN or infinite"):
            check_images(images, config)
    else:
        assert check_images(images, config).shape == (4, 1, 8, 8)
