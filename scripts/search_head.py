"""The mixtures' speed and the classifier head, searched on the shipped autoencoders' codes
(docs/search.md, rounds 5 to 9; round 8's code, the threaded single GMM, was removed in #34). Validation split only: the test images are never read.

    python scripts/search_head.py em --datasets mnist fashion-mnist     # round 5: EM settings
    python scripts/search_head.py head --datasets mnist fashion-mnist   # round 6: the head
    python scripts/search_head.py calibration                           # round 7: em_tol, and
                                                    # scikit-learn's temperature against ours
    python scripts/search_head.py threads                               # round 9: the classes
                                                    # fitted in threads, the single GMM

Codes: each dataset's shipped walkthrough autoencoder, standardised, on the walkthrough's split
(54,000 codes fit, 6,000 held out, seed 0), exactly what a shipped run fits its mixtures to.
Every row prints as a Markdown table row: setting, validation accuracy, seconds. Run it on an
idle machine: the seconds are wall times of this process.
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from gae_helpers.models.autoencoder import (AutoencoderConfig, encode, standardise_codes,
                                     train_or_load_autoencoder)
from gae_helpers.data.datasets import load_dataset, validation_split
from gae_helpers.measure.diagnostics import subset_index
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.run.parameters import check_parameters
from gae_helpers.run.report import cpu_model, pretrained_file
from gae_helpers.models.shipped import resolve_pretrained_dir
from gae_helpers.mixtures.threads import limited

ROOT = Path(__file__).resolve().parents[1]


def walkthrough_defaults(dataset: str) -> dict:
    """The walkthrough's parameters with their defaults (read from its parameters cell) for
    ``dataset``, checked and filled in as a run would have them."""
    import papermill

    cell = papermill.inspect_notebook(str(ROOT / "notebooks" / "walkthrough.ipynb"))
    values = {name: ast.literal_eval(p["default"]) for name, p in cell.items()}
    return check_parameters({**values, "dataset": dataset, "output_dir": "unused"})


def shipped_codes(dataset: str, data_dir=None):
    """(codes fit, labels, held-out codes, labels) of the shipped autoencoder of ``dataset``."""
    p = walkthrough_defaults(dataset)
    data = load_dataset(dataset, data_dir)
    fit, held = validation_split(data, 0.1, seed=0)
    config = AutoencoderConfig("conv", data.image_shape, p["latent_dim"])
    trained = train_or_load_autoencoder(
        fit.x_train, config, epochs=p["epochs"], seed=0,
        pretrained=pretrained_file(resolve_pretrained_dir("shipped", dataset), "autoencoder"))
    model = standardise_codes(trained.model, fit.x_train)
    return (encode(model, fit.x_train), np.asarray(fit.y_train), encode(model, held.x_test),
            np.asarray(held.y_test))


def previous_class_gmms(X, y, n_components, reg_covar, seed):
    """The class GMMs as GMMClassifier fitted them before round 5: float64, one class
    after another, OpenBLAS on every thread it starts with (make bench's and round 5's
    "previous code")."""
    seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max)
    return [GaussianMixture(n_components, reg_covar=reg_covar, random_state=seed).fit(X[y == k])
            for k in np.unique(y)]


def previous_accuracy(gmms, y_fit, X_val, y_val) -> float:
    """Validation accuracy of :func:`previous_class_gmms`' mixtures, with empirical priors."""
    joint = np.column_stack([g.score_samples(X_val) for g in gmms])
    prior = np.bincount(y_fit) / len(y_fit)
    return float(np.mean(np.argmax(joint + np.log(prior), axis=1) == y_val))


def fit_single_gmm(X, n_components, reg_covar, tol=1e-3, random_state=0):
    """The walkthrough's single GMM: scikit-learn's GaussianMixture on one BLAS thread."""
    with limited():
        return GaussianMixture(n_components, reg_covar=reg_covar, tol=tol,
                               random_state=random_state).fit(X)


def row(dataset, setting, accuracy, seconds, note=""):
    acc = "-" if accuracy is None else f"{accuracy:.4f}"
    print(f"| {dataset} | {setting} | {acc} | {seconds:.2f} |{' ' + note if note else ''}",
          flush=True)


def timed(fit):
    started = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - started


def warm(class_gmm, n_components=None):
    """Per-class GaussianMixtures started from ``class_gmm``'s fitted components."""
    out = []
    for g in class_gmm.gmms_:
        k = n_components or g.n_components
        order = np.argsort(-g.weights_)[:k]
        weights = g.weights_[order] / g.weights_[order].sum()
        out.append(dict(weights_init=weights, means_init=g.means_[order],
                        precisions_init=g.precisions_[order]))
    return out


def em_rounds(dataset: str) -> None:
    z, y, zv, yv = shipped_codes(dataset)
    p = walkthrough_defaults(dataset)
    k, reg = p["n_components"], p["reg_covar"]
    same = subset_index(len(z), p["single_gmm_fit_size"], random_state=0)

    def cgm(**kw):
        return GMMClassifier(k, reg_covar=reg, random_state=0, **kw)

    def previous():
        return previous_accuracy(previous_class_gmms(z, y, k, reg, 0), y, zv, yv)

    acc, s = timed(previous)
    row(dataset, "class GMMs as before: float64, classes in turn, OpenBLAS on all threads", acc, s)
    with threadpool_limits(limits=1):
        acc, s = timed(previous)
    row(dataset, "the same, OpenBLAS limited to 1 thread (threadpoolctl)", acc, s)
    for label, kw, X in (("ours: 1 BLAS thread per fit, classes in 2 threads (n_jobs=-1)",
                          dict(n_jobs=-1), z),
                         ("ours, float32 codes", dict(n_jobs=-1), z.astype(np.float32)),
                         ("ours, tol=1e-2 (half the EM iterations)", dict(n_jobs=-1, tol=1e-2),
                          z),
                         ("ours, init_params='k-means++'", dict(n_jobs=-1,
                                                               init_params="k-means++"), z)):
        model, s = timed(lambda: cgm(**kw).fit(X, y))
        row(dataset, label, model.score(zv.astype(X.dtype), yv), s)
    full, _ = timed(lambda: cgm(n_jobs=-1).fit(z, y))
    model, s = timed(lambda: cgm(n_jobs=-1).fit(z[same], y[same]))
    row(dataset, f"class GMMs on the {len(same):,} same codes, cold start (ours)",
        model.score(zv, yv), s)

    def warm_same():
        inits = warm(full)
        with limited():
            gmms = [GaussianMixture(k, reg_covar=reg, random_state=0, **init).fit(
                z[same][y[same] == c]) for c, init in zip(full.classes_, inits)]
        warm_model = clone(full)
        warm_model.__dict__.update({key: v for key, v in full.__dict__.items()
                                    if key.endswith("_")})
        warm_model.gmms_ = gmms
        return warm_model

    model, s = timed(warm_same)
    row(dataset, "the same, warm-started from the class GMMs on all codes (1 thread, in turn)",
        model.score(zv, yv), s)
    model, s = timed(lambda: GMMClassifier(p["post_n_components"], reg_covar=reg,
                                                  random_state=0, n_jobs=-1).fit(z, y))
    row(dataset, "the post's 6 components, cold start (ours)", model.score(zv, yv), s)

    def warm_post():
        inits = warm(full, p["post_n_components"])
        with limited():
            gmms = [GaussianMixture(p["post_n_components"], reg_covar=reg, random_state=0, **init).fit(z[y == c])
                    for c, init in zip(full.classes_, inits)]
        joint = np.column_stack([g.score_samples(zv) for g in gmms])
        return float(np.mean(full.classes_[np.argmax(joint + np.log(full.class_prior_),
                                                     axis=1)] == yv))

    acc, s = timed(warm_post)
    row(dataset, "the post's 6 components, warm-started from the 6 heaviest of our 12", acc, s)
    n_classes = len(np.unique(y))
    model, s = timed(lambda: fit_single_gmm(z[same], k * n_classes, reg_covar=reg,
                                            random_state=0))
    row(dataset, f"the single GMM, {k * n_classes} components on the {len(same):,} codes (ours)",
        None, s)
    model, s = timed(lambda: fit_single_gmm(z[same], k * n_classes, reg_covar=reg,
                                            random_state=0, tol=1e-2))
    row(dataset, "the single GMM, tol=1e-2", None, s)


def head_rounds(dataset: str) -> None:
    z, y, zv, yv = shipped_codes(dataset)
    for k, reg, cov in ((12, 0.03, "full"), (16, 0.03, "full"), (24, 0.03, "full"),
                        (24, 0.01, "full"), (24, 0.1, "full"), (36, 0.03, "full"),
                        (48, 0.03, "diag"), (96, 0.03, "diag")):
        model, s = timed(lambda: GMMClassifier(k, covariance_type=cov, reg_covar=reg,
                                                      random_state=0, n_jobs=-1).fit(z, y))
        row(dataset, f"class GMMs, {k} {cov} components, reg_covar {reg}",
            model.score(zv, yv), s)
    with limited():
        for n, C in ((10_000, 10.0), (20_000, 1.0), (20_000, 10.0), (20_000, 30.0),
                     (None, 10.0)):
            index = subset_index(len(z), n, random_state=0)

            def svc():
                return SVC(C=C).fit(z[index], y[index]).score(zv, yv)

            acc, s = timed(svc)
            row(dataset, f"RBF SVC, C={C:g}, {len(index):,} codes (baseline)", acc, s)
        for n_neighbors in (5, 10):
            acc, s = timed(lambda: KNeighborsClassifier(n_neighbors).fit(z, y).score(zv, yv))
            row(dataset, f"kNN, k={n_neighbors} (baseline)", acc, s)
        acc, s = timed(lambda: MLPClassifier((256,), early_stopping=True, random_state=0,
                                             max_iter=50).fit(z, y).score(zv, yv))
        row(dataset, "MLP, one hidden layer of 256, early stopping (baseline)", acc, s)


def calibration_rounds(dataset: str) -> None:
    """Round 7: the class GMMs at scikit-learn's tol 1e-3 and at 1e-2, with the temperature
    fitted on the held-out codes by the hand-written search the project used before (bounded
    scalar minimisation of the negative log-likelihood over log T in [log 0.01, log 100]) and
    by scikit-learn's CalibratedClassifierCV(FrozenEstimator(.), method="temperature")."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    from gae_helpers.measure.calibration import temperature, temperature_scaled

    z, y, zv, yv = shipped_codes(dataset)
    p = walkthrough_defaults(dataset)
    for tol in (1e-3, 1e-2):
        model, s = timed(lambda: GMMClassifier(p["n_components"], reg_covar=p["reg_covar"],
                                               tol=tol, random_state=0, n_jobs=-1).fit(z, y))
        log_post, index = model.predict_log_proba(zv), model.class_index(yv)
        hand = minimize_scalar(lambda t: -np.mean(log_softmax(log_post / np.exp(t), axis=1)[
            np.arange(len(index)), index]), bounds=(-np.log(100), np.log(100)), method="bounded")
        ours = temperature(temperature_scaled(model, zv, yv), zv)
        row(dataset, f"class GMMs, tol={tol:g} (EM iterations {model.n_iter_.sum()}); T by the "
                     f"previous search {np.exp(hand.x):.6f}, by scikit-learn {ours:.6f}",
            model.score(zv, yv), s)


def thread_rounds(dataset: str) -> None:
    """Round 9: what threads still buy with scikit-learn's public API only. The class GMMs
    (walkthrough settings) fitted one class after another and two classes at a time
    (GMMClassifier's n_jobs, through sklearn.utils.parallel, one OpenMP and one BLAS thread per
    worker), the same mixtures either way; the single GMM, scikit-learn's GaussianMixture on
    one BLAS thread."""
    z, y, zv, yv = shipped_codes(dataset)
    p = walkthrough_defaults(dataset)
    k, reg, tol = p["n_components"], p["reg_covar"], p["em_tol"]
    fitted = {}
    for n_jobs in (None, 2):
        fitted[n_jobs], s = timed(lambda: GMMClassifier(k, reg_covar=reg, tol=tol, random_state=0,
                                                        n_jobs=n_jobs).fit(z, y))
        same = all(np.array_equal(a.means_, b.means_)
                   for a, b in zip(fitted[n_jobs].gmms_, fitted[None].gmms_))
        row(dataset, f"class GMMs, {k} components, n_jobs={n_jobs}", fitted[n_jobs].score(zv, yv),
            s, f"the same mixtures as n_jobs=None: {same}")
    same_codes = subset_index(len(z), p["single_gmm_fit_size"], random_state=0)
    _, s = timed(lambda: fit_single_gmm(z[same_codes], k * len(np.unique(y)), reg, tol))
    row(dataset, f"the single GMM, {k * len(np.unique(y))} components on {len(same_codes)} codes, "
                 f"scikit-learn's GaussianMixture, one BLAS thread", None, s)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("round", choices=["em", "head", "calibration", "threads"])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_model()}\n\n| dataset | setting | validation accuracy | seconds |\n"
          f"| --- | --- | --- | --- |")
    for dataset in args.datasets:
        {"em": em_rounds, "head": head_rounds, "calibration": calibration_rounds,
         "threads": thread_rounds}[args.round](dataset)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
