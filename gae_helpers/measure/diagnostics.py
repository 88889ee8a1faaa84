"""How well the class GMMs classify, and where they fail (sections "Predicting data" and
"What doesn't work well")."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import effective_n_jobs
from sklearn.metrics import accuracy_score, confusion_matrix, mean_squared_error, recall_score
from sklearn.svm import SVC
from sklearn.utils import check_random_state

from gae_helpers.mixtures.threads import one_thread, run_in_threads


def reconstruction_error(images, reconstructions) -> float:
    """Mean squared error per pixel between images and their reconstructions.

    Examples
    --------
    >>> reconstruction_error(np.ones((2, 2)), np.zeros((2, 2)))
    1.0
    """
    images, reconstructions = np.asarray(images, float), np.asarray(reconstructions, float)
    return float(mean_squared_error(images.reshape(len(images), -1),
                                    reconstructions.reshape(len(reconstructions), -1)))


@dataclass
class AccuracySummary:
    """Accuracies of this run beside the post's."""

    metrics: dict
    table: pd.DataFrame


def accuracy_summary(post_accuracy, model, post_model, X_train, y_train, X_test, y_test
                     ) -> AccuracySummary:
    """Train and test accuracy: the post's (``post_accuracy``, ``{"train": ..., "test": ...}``
    or None where it reports none: the dataset's story holds it), ours with the post's number of
    components, and ours with this run's."""
    ours = {"train": model.score(X_train, y_train), "test": model.score(X_test, y_test)}
    post_setting = ours if post_model is model else {
        "train": post_model.score(X_train, y_train), "test": post_model.score(X_test, y_test)}
    post = post_accuracy
    rows = {"the post (60 epochs)" if post else "the post (not reported for this dataset)": [
        post_model.n_components, *(post.values() if post else (np.nan, np.nan))],
        "this run, the post's components": [post_model.n_components, *post_setting.values()]}
    if post_model is not model:
        rows["this run, our components"] = [model.n_components, *ours.values()]
    table = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["components", "train accuracy", "test accuracy"])
    metrics = {"accuracy_train": ours["train"], "accuracy_test": ours["test"],
               "accuracy_train_post_components": post_setting["train"],
               "accuracy_test_post_components": post_setting["test"]}
    return AccuracySummary(metrics, table)


# The baseline's settings, chosen on the validation split of both datasets (docs/search.md,
# "The classifier head"): an RBF SVC on a random 20,000 of the codes the class GMMs fit is
# within half a point of one on all 54,000 at a sixth of the time.
BASELINE = {"C": 10.0, "n_codes": 20_000}


@one_thread
def discriminative_baseline(X_fit, y_fit, X_val, y_val, X_test, y_test, seed=0,
                            C=BASELINE["C"], n_codes=BASELINE["n_codes"]) -> dict:
    """What a discriminative classifier reaches on the very codes the class GMMs classify: a
    baseline the method does not use (section "Predicting data").

    An RBF support vector classifier (scikit-learn's ``SVC``, ``gamma="scale"``) fitted to a
    random ``n_codes`` of the fitting codes; the gap between its accuracy and the class GMMs'
    is the price of classifying with a generative model, the gap to 1 what the codes
    themselves lose.

    Returns
    -------
    dict
        ``classifier`` (its description), ``accuracy_validation``, ``accuracy_test`` and
        ``seconds`` (fitting and predicting).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-2, 1, (100, 2)), rng.normal(2, 1, (100, 2))])
    >>> y = np.repeat([0, 1], 100)
    >>> row = discriminative_baseline(X, y, X, y, X, y, n_codes=50)
    >>> row["classifier"], row["accuracy_test"] > 0.9
    ('RBF SVC (C=10) on 50 of the 200 codes', True)
    """
    started = time.perf_counter()
    index = subset_index(len(X_fit), n_codes, random_state=seed)
    svc = SVC(C=C, gamma="scale").fit(np.asarray(X_fit)[index], np.asarray(y_fit)[index])
    predicted = predict_in_threads(svc, np.vstack([X_val, X_test]))
    row = {"classifier": f"RBF SVC (C={C:g}) on {len(index)} of the {len(X_fit)} codes",
           "accuracy_validation": float(accuracy_score(y_val, predicted[:len(X_val)])),
           "accuracy_test": float(accuracy_score(y_test, predicted[len(X_val):]))}
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row


def predict_in_threads(model, X, n_jobs=-1) -> np.ndarray:
    """``model.predict(X)``, the rows split over ``n_jobs`` threads (joblib's meaning).

    For predictors that release the GIL while they work, such as ``SVC`` (libsvm predicts
    one row at a time, on one core): the same labels, in about half the time on two cores.

    Examples
    --------
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> model = SVC().fit(X, X.ravel() > 4)
    >>> bool(np.array_equal(predict_in_threads(model, X), model.predict(X)))
    True
    """
    chunks = np.array_split(np.asarray(X), max(1, min(effective_n_jobs(n_jobs), len(X))))
    return np.concatenate(run_in_threads(model.predict, chunks, n_jobs))


def head_table(metrics: dict, baseline: dict) -> pd.DataFrame:
    """The class GMMs' validation and test accuracy (``metrics["accuracy_validation"]`` and
    ``["accuracy_test"]``) beside the discriminative baseline's on the same codes (section
    "Predicting data").

    Examples
    --------
    >>> row = {"classifier": "RBF SVC", "accuracy_validation": 0.9, "accuracy_test": 0.8}
    >>> head_table({"accuracy_validation": 0.7, "accuracy_test": 0.6}, row).to_numpy().tolist()
    [[0.7, 0.6], [0.9, 0.8]]
    """
    rows = [[metrics["accuracy_validation"], metrics["accuracy_test"]],
            [baseline["accuracy_validation"], baseline["accuracy_test"]]]
    index = pd.Index(["class GMMs (the method)", f"{baseline['classifier']} (a baseline, unused)"],
                     name="classifier on the codes")
    return pd.DataFrame(rows, index=index, columns=["validation accuracy", "test accuracy"])


def probability_table(proba, y_true, class_names, indices) -> pd.DataFrame:
    """Class probabilities of a few images, with their true class."""
    indices = list(indices)
    table = pd.DataFrame(np.asarray(proba)[indices], columns=list(class_names),
                         index=pd.Index(indices, name="image"))
    table.insert(0, "true", [class_names[y_true[i]] for i in indices])
    return table


def most_confident_errors(proba, y_true, classes, n: int = 8) -> np.ndarray:
    """Indices of the ``n`` wrong predictions with the highest probability.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    >>> most_confident_errors(proba, np.array([1, 1, 1, 0]), np.array([0, 1])).tolist()
    [0, 3, 2]
    """
    proba, y_true = np.asarray(proba), np.asarray(y_true)
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    wrong = np.flatnonzero(predicted != y_true)
    return wrong[np.argsort(-proba[wrong].max(axis=1), kind="stable")][:n]


def mistake_captions(indices, proba, y_true, class_names) -> list:
    """"true->predicted probability" captions for a grid of mistakes."""
    proba = np.asarray(proba)
    return [f"{class_names[y_true[i]]}->{class_names[proba[i].argmax()]} {proba[i].max():.2f}"
            for i in indices]


def per_class_accuracy(y_true, y_pred, classes) -> np.ndarray:
    """Share of each class's images predicted correctly (the per-class recall)."""
    return recall_score(y_true, y_pred, labels=list(classes), average=None, zero_division=0)


def top_confusions(y_true, y_pred, classes, n: int = 3):
    """The ``n`` most frequent mistakes as ``(true class, predicted class, count)``."""
    counts = confusion_matrix(y_true, y_pred, labels=classes)
    np.fill_diagonal(counts, 0)
    order = np.argsort(-counts, axis=None, kind="stable")[:n]
    return [(classes[i], classes[j], int(counts[i, j]))
            for i, j in zip(*np.unravel_index(order, counts.shape))]


@dataclass
class Limitations:
    """The measured limits of one run."""

    worst_class: dict
    summary: str


def limitations(y_true, y_pred, rejected, class_names) -> Limitations:
    """The worst class, the most frequent confusions, and what the reject option throws away."""
    classes = np.arange(len(class_names))
    accuracy = per_class_accuracy(y_true, y_pred, classes)
    worst = int(accuracy.argmin())
    correct_rejected = int((np.asarray(rejected) & (np.asarray(y_pred) == y_true)).sum())
    lines = [
        f"worst class: {class_names[worst]} with test accuracy {accuracy[worst]:.4f}",
        "most frequent confusions: " + "; ".join(
            f"{class_names[t]} taken for {class_names[p]} {count} times"
            for t, p, count in top_confusions(y_true, y_pred, classes)),
        f"overall accuracy {accuracy_score(y_true, y_pred):.4f}; the reject option throws away "
        f"{int(np.sum(rejected))} test images, {correct_rejected} of them correctly classified",
    ]
    return Limitations({"class": class_names[worst], "accuracy_test": float(accuracy[worst])},
                       "\n".join(lines))


def subset_index(n: int, size=None, random_state=0) -> np.ndarray:
    """Sorted indices of a random subset of ``size`` of ``n`` rows (all rows when ``size`` is
    None or not smaller), for fitting two models on the same codes (sections "One GMM for all
    classes" and "Predicting data").

    Examples
    --------
    >>> subset_index(10, 3, random_state=0).tolist(), len(subset_index(10))
    ([2, 4, 8], 10)
    """
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(check_random_state(random_state).choice(n, int(size), replace=False))
