"""Choose the notebooks' defaults on a validation split of the training data.

The test split is never read: the last sixth of the training images (stratified)
is held out, the autoencoder trains on the rest, and each setting's validation
accuracy is printed and appended to a CSV. One training run is evaluated at
several epochs (the learning rate is constant, so the state after epoch 10 of a
25-epoch run is that of a 10-epoch run) and with several GMM settings.

Example (one row group of docs/search.md):

    python scripts/search_defaults.py --dataset fashion-mnist --latent-dim 32 \
        --epochs 20 --eval-epochs 10 15 20 --components 6 12 --covariance full
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shlex
import sys
import time
from pathlib import Path

import torch
from sklearn.decomposition import PCA
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from gae_helpers.models.autoencoder import AutoencoderConfig, build_autoencoder, encode, train_autoencoder
from gae_helpers.models.checkpoint import cache_path, load_model, save_model
from gae_helpers.data.datasets import load_dataset, validation_split
from gae_helpers.models.device import resolve_precision
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.data.storage import atomic_path

FIELDS = ["dataset", "architecture", "widths", "latent_dim", "epochs", "batch_size",
          "learning_rate", "schedule", "n_components", "covariance_type", "reg_covar",
          "init_params", "max_iter", "tol", "code_scaling", "val_accuracy",
          "train_seconds", "gmm_seconds", "kernels", "command"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--data-dir", default=None, help="default: $GAE_DATA_DIR, else ./data")
    parser.add_argument("--architecture", default="conv")
    parser.add_argument("--widths", type=int, nargs="+", default=None)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--batch-norm", action="store_true")
    parser.add_argument("--shift", type=int, default=0,
                        help="label-free augmentation: random shifts of up to this many pixels")
    parser.add_argument("--deform", type=float, default=0.0,
                        help="label-free augmentation: random affine warps of the input of this "
                             "strength, the clean image as the target")
    parser.add_argument("--consistency", type=float, default=0.0,
                        help="with --deform: weight of the term pulling the warped image's code "
                             "to the clean image's")
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--eval-epochs", type=int, nargs="+", default=None,
                        help="epochs after which to evaluate (default: the last)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="Adam's step size; with --schedule onecycle, the peak")
    parser.add_argument("--schedule", default="constant", choices=["constant", "onecycle"],
                        help="onecycle: the learning rate warms up to --learning-rate and anneals "
                             "over --epochs, so --eval-epochs other than the last mean little")
    parser.add_argument("--components", type=int, nargs="+", default=[6])
    parser.add_argument("--covariance", nargs="+", default=["full"])
    parser.add_argument("--reg-covar", type=float, nargs="+", default=[1e-6])
    parser.add_argument("--init-params", nargs="+", default=["kmeans"],
                        help="EM initialisation of the GMMs: kmeans, k-means++, ...")
    parser.add_argument("--max-iter", type=int, nargs="+", default=[100])
    parser.add_argument("--tol", type=float, nargs="+", default=[1e-3],
                        help="EM's convergence threshold of the GMMs")
    parser.add_argument("--code-scaling", nargs="+", default=["none"],
                        choices=["none", "standard", "whiten"],
                        help="codes before the GMMs: as they are, standardised per dimension, or "
                             "PCA-whitened (both fitted on the training codes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/search.csv", help="CSV the rows are appended to")
    parser.add_argument("--checkpoint", default=None,
                        help="evaluate this trained autoencoder instead of training one")
    parser.add_argument("--table", action="store_true",
                        help="print the rows of --out as a markdown table and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(Path(args.out)))
        return
    words = list(argv or sys.argv[1:])
    if "--checkpoint" in words:  # a rerun without it trains that same model again
        del words[words.index("--checkpoint"):words.index("--checkpoint") + 2]
    command = "python scripts/search_defaults.py " + " ".join(shlex.quote(w) for w in words)

    torch.manual_seed(args.seed)
    _, data = validation_split(load_dataset(args.dataset, args.data_dir), seed=args.seed)
    config = AutoencoderConfig(args.architecture, data.image_shape, args.latent_dim,
                               tuple(args.widths) if args.widths else None, args.batch_norm)
    model = build_autoencoder(config, seed=args.seed)
    eval_epochs = set(args.eval_epochs or [args.epochs])
    eval_epochs.add(args.epochs)
    started = time.perf_counter()
    evaluating = [0.0]

    def evaluate(model, epoch, loss):
        if epoch not in eval_epochs:
            return
        t0 = time.perf_counter()
        z_train, z_val = encode(model, data.x_train), encode(model, data.x_test)
        for cov, k, reg, init, iters, tol, scaling in itertools.product(
                args.covariance, args.components, args.reg_covar, args.init_params,
                args.max_iter, args.tol, args.code_scaling):
            t1 = time.perf_counter()
            scaler = {"none": FunctionTransformer(), "standard": StandardScaler(),
                      "whiten": PCA(whiten=True, random_state=args.seed)}[scaling]
            scaler.fit(z_train)
            gmm = GMMClassifier(n_components=k, covariance_type=cov, reg_covar=reg,
                                       init_params=init, max_iter=iters, tol=tol,
                                       random_state=args.seed).fit(scaler.transform(z_train),
                                                                   data.y_train)
            accuracy = gmm.score(scaler.transform(z_val), data.y_test)
            row = {"dataset": args.dataset,
                   "architecture": args.architecture + ("+bn" if args.batch_norm else "")
                   + (f"+shift{args.shift}" if args.shift else "")
                   + (f"+deform{args.deform:g}" if args.deform else "")
                   + (f"+consistency{args.consistency:g}" if args.consistency else "")
                   + ("" if args.precision == "auto" else f" ({args.precision})"),
                   "widths": "-".join(map(str, config.widths)), "latent_dim": args.latent_dim,
                   "epochs": epoch, "batch_size": args.batch_size,
                   "learning_rate": args.learning_rate, "schedule": args.schedule,
                   "n_components": k, "tol": tol, "code_scaling": scaling,
                   "kernels": f"{torch.backends.cpu.get_cpu_capability()} "
                              f"{resolve_precision(args.precision, torch.device('cpu'))}"
                              .replace("torch.", ""),
                   "covariance_type": cov, "reg_covar": reg, "init_params": init,
                   "max_iter": iters, "val_accuracy": round(accuracy, 4),
                   "train_seconds": ("cached" if started is None
                                     else round(t0 - started - evaluating[0], 1)),
                   "gmm_seconds": round(time.perf_counter() - t1, 1), "command": command}
            print(", ".join(f"{f}={row[f]}" for f in FIELDS[:-1]), flush=True)
            append_row(Path(args.out), row)
        evaluating[0] += time.perf_counter() - t0

    settings = dict(epochs=args.epochs, batch_size=args.batch_size,
                    learning_rate=args.learning_rate, shift=args.shift, schedule=args.schedule,
                    deform=args.deform)
    if args.consistency:
        settings["consistency"] = args.consistency
    training = dict(**settings, seed=args.seed, precision=args.precision)
    cached = Path(args.checkpoint) if args.checkpoint else cache_path(
        config, data=(data.x_train,), settings=settings, seed=args.seed,
        precision=args.precision)
    if cached.is_file():  # trained before: evaluate the final epoch without training again
        model, _ = load_model(cached, expected_config=config)
        started = None  # the training time is in the row of the run that trained it
        evaluate(model, args.epochs, None)
        return
    history = train_autoencoder(model, data.x_train, progress=False, on_epoch_end=evaluate,
                                **training)
    save_model(model, cached, history)


def markdown_table(path):
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    shown = [f for f in FIELDS if f != "command"]
    lines = ["| " + " | ".join(shown) + " | command |", "|" + " --- |" * (len(shown) + 1)]
    lines += ["| " + " | ".join(row.get(f, "") for f in shown) + f" | `{row['command']}` |"
              for row in rows]
    return "\n".join(lines)


def append_row(path, row):
    rows = []
    if path.is_file():
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    rows.append(row)
    with atomic_path(path) as tmp, tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
