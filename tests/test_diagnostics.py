import numpy as np
import pandas as pd

from gae_helpers.measure.diagnostics import (accuracy_summary, limitations, most_confident_errors,
                                     per_class_accuracy, probability_table, reconstruction_error,
                                     top_confusions)
from gae_helpers.mixtures.classifier import GMMClassifier


def test_errors_and_accuracies():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    y_true = np.array([1, 1, 1, 0])
    assert list(most_confident_errors(proba, y_true, np.array([0, 1]), n=5)) == [0, 3, 2]
    y_pred = proba.argmax(1)
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred, [0, 1]), [0.0, 1 / 3])
    assert top_confusions(y_true, y_pred, [0, 1], n=1) == [(1, 0, 2)]
    assert reconstruction_error(np.ones((2, 1, 2, 2)), np.zeros((2, 1, 2, 2))) == 1.0
    limits = limitations(y_true, y_pred, np.array([True, False, False, False]), ["a", "b"])
    assert limits.worst_class == {"class": "a", "accuracy_test": 0.0}
    assert "throws away 1 test images, 0 of them correctly classified" in limits.summary


def test_accuracy_summary_puts_the_post_beside_this_run():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 2)), np.repeat([0, 1], 100)
    X[y == 1] += 3
    ours = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    post = GMMClassifier(n_components=6, random_state=0).fit(X, y)
    summary = accuracy_summary({"train": 0.9816, "test": 0.9766}, ours, post, X, y, X, y)
    assert summary.table.loc["the post (60 epochs)", "test accuracy"] == 0.9766
    assert summary.metrics["accuracy_test"] == ours.score(X, y)
    assert len(summary.table) == 3
    digits = accuracy_summary(None, ours, ours, X, y, X, y)
    assert len(digits.table) == 2 and np.isnan(digits.table.iloc[0, 1])


def test_probability_table_names_the_true_class():
    table = probability_table(np.array([[0.25, 0.75]]), np.array([1]), ["a", "b"], [0])
    assert isinstance(table, pd.DataFrame) and table.loc[0, "true"] == "b"
