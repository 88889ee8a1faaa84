"""Every notebook parameter checked in one call, before any data is loaded or model trained.

Section "Setup and parameters": the cell after the ``parameters`` cell calls
:func:`check_parameters`, which returns the parameters with their values checked, converted
(papermill's ``-p`` passes lists as strings) and, where left at ``None`` or ``"auto"``, filled
with the dataset's defaults. A bad value raises a ``ValueError`` that names the parameter and
says what to give instead, so nothing trains on a run that would fail later.
"""

from __future__ import annotations

import ast
from numbers import Integral, Real
from pathlib import Path

from sklearn.utils._param_validation import (Interval, InvalidParameterError, StrOptions,
                                             validate_parameter_constraints)

from gae_helpers.models.autoencoder import ARCHITECTURES, SCHEDULES
from gae_helpers.data.datasets import DATASETS, AutoChoice
from gae_helpers.models.device import INFERENCE_PRECISIONS, PRECISIONS, resolve_device
from gae_helpers.models.shipped import manifest, resolve_pretrained_dir, shipped_file
from gae_helpers.measure import ood, sample_quality
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import ClassOutlierDetector
from gae_helpers.run.stories import PRESET_NAMES, story

N_CLASSES = 10  # every dataset of the project has ten classes
OTHER_DATASETS = ("mnist", "fashion-mnist")


def _fail(name, value, wanted):
    raise ValueError(f"Parameter {name}={value!r} is not valid: {wanted}.")


def _choice(options, none=False):
    return _constrained(StrOptions(set(options)), *([None] * none))


def _constrained(*constraints):
    """A check by scikit-learn's parameter constraints (``Interval``, ``StrOptions``, None), the
    same objects the estimators declare: whole numbers given as floats (``5.0``) count as
    whole."""
    def check(name, value):
        if isinstance(value, bool) and any(isinstance(c, Interval) for c in constraints):
            # an Integral to Python, never a count or a size here
            raise InvalidParameterError(f"The {name!r} parameter of this notebook must be a "
                                        f"number, got {value}. Give another value (papermill: "
                                        f"-p {name} VALUE).")
        if isinstance(value, float) and value.is_integer() and any(
                isinstance(c, Interval) and c.type is Integral for c in constraints):
            value = int(value)
        try:
            validate_parameter_constraints({name: list(constraints)}, {name: value},
                                           caller_name="this notebook")
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{exc} Give another value (papermill: "
                                        f"-p {name} VALUE).") from None
        return value
    return check


def _whole(minimum=1, none=False):
    return _constrained(Interval(Integral, minimum, None, closed="left"), *([None] * none))


def _number(low, high=None, low_open=True, high_open=True):
    closed = {(True, True): "neither", (False, True): "left", (True, False): "right",
              (False, False): "both"}[(low_open, high_open)]
    return _constrained(Interval(Real, low, high, closed=closed))


def _estimator(cls, name):
    """The check ``cls`` declares for its parameter ``name`` (one table per fact)."""
    return _constrained(*cls._parameter_constraints[name])


def _text(none=False):
    def check(name, value):
        if value is None and none:
            return None
        if not isinstance(value, (str, Path)) or not str(value).strip():
            _fail(name, value, "give a folder name" + (" or None" if none else ""))
        return str(value)
    return check


def _existing_folder(name, value):
    if value is None or value == "shipped":
        return value
    if not Path(value).expanduser().is_dir():
        _fail(name, value, f"no such folder (relative paths start in {Path.cwd()}); give a "
                           f"folder holding the model files, 'shipped' (models/), or None to train")
    return str(value)


def _device(name, value):
    try:
        resolve_device(value)
    except ValueError:
        _fail(name, value, "use 'auto', 'cpu' or 'cuda'")
    if str(value).startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            _fail(name, value, "CUDA is not available here; use 'auto' or 'cpu'")
    return value


def parse_pairs(name, value, n_classes=N_CLASSES):
    """Class-index pairs from a list, or from its text as papermill's ``-p`` passes it.

    Examples
    --------
    >>> parse_pairs("interpolation_pairs", "[[0, 6], [5, 3]]")
    [(0, 6), (5, 3)]
    >>> parse_pairs("interpolation_pairs", "[(1, 10)]")
    Traceback (most recent call last):
    ...
    ValueError: Parameter interpolation_pairs='[(1, 10)]' is not valid: give a list of pairs of class indices from 0 to 9, e.g. "[[1, 7], [4, 9]]".
    """
    wanted = (f"give a list of pairs of class indices from 0 to {n_classes - 1}, "
              f'e.g. "[[1, 7], [4, 9]]"')
    pairs = value
    if isinstance(value, str):
        try:
            pairs = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            _fail(name, value, wanted)
    try:
        pairs = [(int(a), int(b)) for a, b in pairs]
    except (TypeError, ValueError):
        _fail(name, value, wanted)
    if not pairs or any(not 0 <= k < n_classes for pair in pairs for k in pair) or \
            any(isinstance(k, bool) for pair in pairs for k in pair):
        _fail(name, value, wanted)
    return pairs


CHECKS = {
    "dataset": _choice(DATASETS),
    "data_dir": _text(none=True),
    "other_dataset": _choice(("auto",) + OTHER_DATASETS, none=True),
    "n_train": _whole(20, none=True),
    "n_test": _whole(10, none=True),
    "validation_fraction": _number(0, 0.5),
    "architecture": _choice(ARCHITECTURES),
    "latent_dim": _whole(1, none=True),
    "epochs": _whole(1, none=True),
    "batch_size": _whole(1),
    "learning_rate": _number(0, 1),
    "beta": _number(0, low_open=False),
    "lr_schedule": _choice(SCHEDULES),
    "preset": _choice(PRESET_NAMES, none=True),
    "deform": lambda name, value: None if value is None else
    _number(0, 3, low_open=False, high_open=False)(name, value),
    "precision": _choice(PRECISIONS),
    "inference_precision": _choice(INFERENCE_PRECISIONS),
    "n_components": _estimator(GMMClassifier, "n_components"),
    "post_n_components": _estimator(GMMClassifier, "n_components"),
    "covariance_type": _estimator(GMMClassifier, "covariance_type"),
    "code_scaling": _choice(("standard", "none")),
    "reg_covar": _estimator(GMMClassifier, "reg_covar"),
    "em_tol": _estimator(GMMClassifier, "tol"),
    "reject_quantile": _estimator(ClassOutlierDetector, "quantile"),
    "reject_score": _constrained(ood.KIND),
    "samples_per_class": _whole(2),
    "samples_per_row": _whole(2),
    "n_generated": _whole(20),
    "n_draws": _constrained(sample_quality.DRAWS),
    "interpolation_pairs": lambda name, value: None if value is None else parse_pairs(name, value),
    "n_monte_carlo": _whole(10),
    "single_gmm_fit_size": _whole(10, none=True),
    "seed": _whole(0),
    "device": _device,
    "output_dir": _text(none=True),
    "cache_dir": _text(none=True),
    "pretrained_dir": _existing_folder,
}


NOTEBOOKS = {"walkthrough": "", "gae_vs_vae": "gae-vs-vae-"}  # name: its runs' folder prefix


def check_parameters(parameters: dict, notebook: str = "walkthrough") -> dict:
    """The notebook's parameters, checked, converted and with the dataset's defaults filled in.

    Section "Setup and parameters". ``None`` for ``latent_dim``, ``epochs``, ``deform``,
    ``interpolation_pairs`` and ``output_dir`` and ``"auto"`` for ``other_dataset`` take the
    dataset's walkthrough defaults (:mod:`gae_helpers.run.stories`), ``preset`` (a name) first
    taking the values its dataset's preset sets; ``output_dir`` defaults to
    ``../runs/<prefix><dataset>`` (the prefix of ``notebook`` in :data:`NOTEBOOKS`), and
    ``pretrained_dir="shipped"`` becomes ``models/<dataset>/<notebook>/`` after checking that
    every parameter the shipped models depend on has its default value.

    Examples
    --------
    >>> checked = check_parameters({"dataset": "digits", "latent_dim": None, "epochs": 5})
    >>> checked["latent_dim"], checked["epochs"]
    (8, 5)
    >>> check_parameters({"samples_per_class": 0})
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'samples_per_class' parameter of this notebook must be an int in the range [2, inf). Got 0 instead. Give another value (papermill: -p samples_per_class VALUE).
    """
    unchecked = sorted(set(parameters) - set(CHECKS))
    if unchecked:
        raise ValueError(f"No check for the parameter(s) {', '.join(unchecked)}: add one to "
                         f"gae_helpers.run.parameters.CHECKS.")
    checked = {name: CHECKS[name](name, value) for name, value in parameters.items()}
    dataset = checked.get("dataset")
    if dataset is None:
        return checked
    tale = story(dataset)
    defaults = {**tale.defaults, **tale.presets.get(checked.get("preset"), {})}
    for name in ("latent_dim", "epochs", "deform"):
        if name in checked and checked[name] is None:
            checked[name] = defaults[name]
    if checked.get("other_dataset") == "auto":  # marked: load_other_images then only warns
        checked["other_dataset"] = None if tale.other_dataset is None \
            else AutoChoice(tale.other_dataset)
    if "interpolation_pairs" in checked and checked["interpolation_pairs"] is None:
        checked["interpolation_pairs"] = [tuple(p) for p in tale.interpolation_pairs]
    if "output_dir" in checked and checked["output_dir"] is None:
        checked["output_dir"] = f"../runs/{NOTEBOOKS[notebook]}{dataset}"
    if checked.get("pretrained_dir") == "shipped":
        checked["pretrained_dir"] = str(_shipped_models(checked, notebook))
    return checked


def _shipped_models(checked: dict, notebook: str):
    """The shipped models' folder, where the training parameters are those they were made with."""
    folder = resolve_pretrained_dir("shipped", checked["dataset"], notebook)
    if checked["dataset"] == "digits":
        _fail("pretrained_dir", "shipped", "no models are shipped for digits (it trains in "
                                           "seconds); use None")
    name = f"{checked['dataset']}/{notebook}/autoencoder.pt"
    shipped_file(name)  # there, and the file the manifest records
    made_with = manifest()[name].get("parameters", {})
    differ = {k: (checked[k], v) for k, v in made_with.items() if k in checked and checked[k] != v}
    if differ:
        _fail("pretrained_dir", "shipped", "the shipped models were trained with " + ", ".join(
            f"{k}={v!r}" for k, (_, v) in differ.items()) + ", not " + ", ".join(
            f"{k}={mine!r}" for k, (mine, _) in differ.items())
            + "; use those values, or None to train")
    return folder
