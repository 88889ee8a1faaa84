"""Speed and memory figures, printed one per line as ``name: value`` (make bench).

* Training throughput of a baseline written the plain way (torch.utils.data.DataLoader over
  the torchvision dataset with a ToTensor transform, float32) and of each speed-up of
  gae_helpers.models.autoencoder.train_autoencoder added one at a time: in-memory batches, then
  channels_last or bfloat16 autocast on top of them, then all three (our loop). Same model,
  same batch size, measured alternately in this process; each as a ratio to the baseline.
* Encode throughput.
* Inference: the shipped MNIST judge's features and the autoencoder's encoding and decoding of
  the 10,000 test images, as before (NCHW batches of 1,024) and now (channels-last batches of
  gae_helpers.models.device.INFERENCE_BATCH), alternately in this process, as ratios.
* EM: the walkthrough's four mixtures on the shipped autoencoder's codes, fitted by the
  previous fitting code (float64, one class after another, OpenBLAS on all its threads) and by
  ours (one BLAS thread per fit, the classes in parallel threads), in the same process, as
  seconds and ratios.
* Each walkthrough's full default run with a fresh model cache, on every arithmetic path
  this CPU has (float32 on AVX2 kernels always, bfloat16 where native), section by section,
  beside the same walkthrough at the baseline commit (the previous defaults: longer training,
  a judge trained per run) run in the same session on the same path, as ratios; then a run
  on the shipped models (no training) and the peak memory. --skip-notebooks skips them.

The real MNIST is used when $GAE_DATA_DIR (or --data-dir) holds it; otherwise
torchvision's FakeData stands in for the throughput figures. Nothing here asserts:
the figures are printed for a person to judge.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch import nn
from torchvision import transforms

from gae_helpers.models.autoencoder import AutoencoderConfig, build_autoencoder, encode, train_autoencoder
from gae_helpers.data.datasets import DatasetNotFoundError, load_dataset, resolve_data_dir
from gae_helpers.models.device import native_bfloat16
from gae_helpers.mixtures.classifier import GMMClassifier
from sklearn.mixture import GaussianMixture

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "d176129"  # the last commit with the previous defaults (15/25 epochs, judge per run)


def say(name, value):
    print(f"{name}: {value}", flush=True)


def baseline_epoch(model, dataset, n_images, batch_size, seed):
    """The plain loop: a DataLoader over the torchvision dataset, ToTensor per image."""
    generator = torch.Generator().manual_seed(seed)
    subset = torch.utils.data.Subset(dataset, range(n_images))
    loader = torch.utils.data.DataLoader(subset, batch_size=batch_size, shuffle=True,
                                         generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    started = time.perf_counter()
    for images, _ in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), images)
        loss.backward()
        optimizer.step()
    return n_images / (time.perf_counter() - started)


def in_memory_epoch(model, images, batch_size, seed, channels_last, bfloat16):
    """One epoch over in-memory tensors with the chosen speed-ups (our loop, unrolled so each
    speed-up can be switched on alone)."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    started = time.perf_counter()
    for start in range(0, len(images), batch_size):
        batch = images[order[start:start + batch_size]].contiguous(memory_format=fmt)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits = model(batch)
        loss = loss_fn(logits.float(), batch)
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - started)


def ours_epoch(model, images, batch_size, seed):
    started = time.perf_counter()
    train_autoencoder(model, images, epochs=1, batch_size=batch_size, seed=seed, device="cpu",
                      progress=False)
    return len(images) / (time.perf_counter() - started)


def training_throughput(dataset, images, config, n_images, batch_size, repeats):
    """Median images/s of each variant, measured in turn ``repeats`` times."""
    bf16 = native_bfloat16(torch.device("cpu"))
    variants = {
        "DataLoader baseline (float32)": lambda m, r: baseline_epoch(m, dataset, n_images,
                                                                     batch_size, r),
        "in-memory batches": lambda m, r: in_memory_epoch(m, images[:n_images], batch_size, r,
                                                          False, False),
        "in-memory + channels_last": lambda m, r: in_memory_epoch(m, images[:n_images],
                                                                  batch_size, r, True, False),
        "ours (train_autoencoder: in-memory + channels_last + precision auto)":
            lambda m, r: ours_epoch(m, images[:n_images], batch_size, r),
    }
    if bf16:
        variants["in-memory + bfloat16"] = lambda m, r: in_memory_epoch(
            m, images[:n_images], batch_size, r, False, True)
    models = {name: build_autoencoder(config, seed=0) for name in variants}
    for name, run in variants.items():  # warm-up
        run(models[name], 0)
    results = {name: [] for name in variants}
    for r in range(repeats):  # alternate so drifts of a noisy machine hit every variant alike
        for name, run in variants.items():
            results[name].append(run(models[name], r + 1))
    return {name: statistics.median(v) for name, v in results.items()}, bf16


def em_section(dataset: str, data_root) -> None:
    """The walkthrough's four mixtures on the shipped autoencoder's standardised codes, fitted by
    the previous code (scikit-learn's tol 1e-3, every BLAS thread, one class after another) and
    by ours with the walkthrough's settings (em_tol included) in this process, as seconds and
    ratios. The validation accuracy of the class GMMs: previous, ours at the previous tol (the
    same models), ours at em_tol."""
    from search_head import (fit_single_gmm, previous_accuracy,  # scripts/, beside this
                             previous_class_gmms, shipped_codes, walkthrough_defaults)

    from gae_helpers.measure.diagnostics import subset_index

    try:
        z, y, z_val, y_val = shipped_codes(dataset, data_root)
    except DatasetNotFoundError:
        say(f"EM, {dataset}", "skipped (dataset not found: set GAE_DATA_DIR)")
        return
    p = walkthrough_defaults(dataset)
    same = subset_index(len(z), p["single_gmm_fit_size"], random_state=0)
    k, post_k, reg, tol = p["n_components"], p["post_n_components"], p["reg_covar"], p["em_tol"]
    n_classes = len(np.unique(y))
    rng = np.random.RandomState(0)
    fits = {
        "class_gmms": (lambda: previous_class_gmms(z, y, k, reg, 0),
                       lambda: GMMClassifier(k, reg_covar=reg, tol=tol, random_state=0,
                                             n_jobs=-1).fit(z, y)),
        "class_gmms_same_codes": (
            lambda: previous_class_gmms(z[same], y[same], k, reg, 0),
            lambda: GMMClassifier(k, reg_covar=reg, tol=tol, random_state=0,
                                  n_jobs=-1).fit(z[same], y[same])),
        "single_gmm": (
            lambda: GaussianMixture(k * n_classes, reg_covar=reg,
                                    random_state=rng.randint(2**31 - 1)).fit(z[same]),
            lambda: fit_single_gmm(z[same], k * n_classes, reg_covar=reg, tol=tol,
                                   random_state=0)),
        "post_gmms": (lambda: previous_class_gmms(z, y, post_k, reg, 0),
                      lambda: GMMClassifier(post_k, reg_covar=reg, tol=tol, random_state=0,
                                            n_jobs=-1).fit(z, y)),
    }
    total_before = total_now = 0.0
    for name, (before, now) in fits.items():
        started = time.perf_counter()
        old = before()
        seconds_before = time.perf_counter() - started
        started = time.perf_counter()
        new = now()
        seconds_now = time.perf_counter() - started
        total_before, total_now = total_before + seconds_before, total_now + seconds_now
        say(f"EM, {dataset}, {name}: previous code (s)", f"{seconds_before:.2f}")
        say(f"EM, {dataset}, {name}: now (s)", f"{seconds_now:.2f}")
        say(f"EM, {dataset}, {name}: now / previous", f"{seconds_now / seconds_before:.2f}")
        if name == "class_gmms":
            old_acc = previous_accuracy(old, y, z_val, y_val)
            same_tol = GMMClassifier(k, reg_covar=reg, random_state=0, n_jobs=-1).fit(z, y)
            say(f"EM, {dataset}, class_gmms: validation accuracy, previous / ours at tol 1e-3 "
                f"/ ours at em_tol {tol:g}",
                f"{old_acc:.4f} / {same_tol.score(z_val, y_val):.4f} / "
                f"{new.score(z_val, y_val):.4f}")
    say(f"EM, {dataset}, all four mixtures: previous code (s)", f"{total_before:.2f}")
    say(f"EM, {dataset}, all four mixtures: now (s)", f"{total_now:.2f}")
    say(f"EM, {dataset}, all four mixtures: now / previous", f"{total_now / total_before:.2f}")


def inference_section(data) -> None:
    """The forward passes outside training on the 10,000 test images with the shipped MNIST
    judge and autoencoder: as before (NCHW batches of 1,024, the model called directly) and
    ours (gae_helpers' helpers: channels-last batches of INFERENCE_BATCH), measured alternately
    in this process, best of three, as seconds and ratios; and the largest difference of
    the outputs (float32: the layouts sum in another order)."""
    from gae_helpers.models import judge
    from gae_helpers.models.autoencoder import decode
    from gae_helpers.models.checkpoint import load_model
    from gae_helpers.models.device import INFERENCE_BATCH
    from gae_helpers.models.shipped import load_judge, shipped_file

    judge_model = load_judge("mnist", judge.JudgeConfig((1, 28, 28), 10), "shipped").model
    autoencoder, _ = load_model(shipped_file("mnist/walkthrough/autoencoder.pt"))
    images = data.x_test
    codes = encode(autoencoder, images)

    @torch.no_grad()
    def before(forward, inputs):
        return torch.cat([forward(inputs[i:i + 1024]) for i in range(0, len(inputs), 1024)])

    passes = {
        "judge features": (lambda: before(judge_model.eval().features, images),
                           lambda: judge.features(judge_model, images)),
        "encode": (lambda: before(autoencoder.eval().encoder, images),
                   lambda: encode(autoencoder, images)),
        "decode": (lambda: torch.sigmoid(before(autoencoder.eval().decoder,
                                                torch.as_tensor(codes, dtype=torch.float32))),
                   lambda: decode(autoencoder, codes)),
    }
    say("inference batch (images)", INFERENCE_BATCH)
    for name, (old, new) in passes.items():
        seconds, outputs = {"before": [], "now": []}, {}
        for _ in range(3):
            for key, run in (("before", old), ("now", new)):
                started = time.perf_counter()
                outputs[key] = np.asarray(run(), dtype=np.float64)
                seconds[key].append(time.perf_counter() - started)
        best_before, best_now = min(seconds["before"]), min(seconds["now"])
        say(f"inference, {name} of 10,000 test images: before, NCHW batches of 1,024 (s)",
            f"{best_before:.2f}")
        say(f"inference, {name}: now (s)", f"{best_now:.2f}")
        say(f"inference, {name}: now / before", f"{best_now / best_before:.2f}")
        say(f"inference, {name}: largest difference of the outputs",
            f"{np.abs(outputs['before'] - outputs['now']).max():.1e}")


def section_times(executed) -> dict:
    """Seconds per "## N. Title" section of an executed notebook (papermill's cell timings)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    times, section = {}, "1. Setup and parameters"
    for cell in nb.cells:
        heading = re.search(r"^## (.+)$", cell.source, re.M) if cell.cell_type == "markdown" \
            else None
        if heading:
            section = heading.group(1).strip()
        duration = cell.metadata.get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration is not None:
            times[section] = times.get(section, 0.0) + duration
    return times


def cpu_paths() -> dict:
    """The arithmetic paths to time: float32 on AVX2 kernels (the path of CPUs without native
    bfloat16, taken here whatever this CPU has), and bfloat16 where this CPU has it natively."""
    paths = {"float32 (AVX2 kernels)": {"GAE_PRECISION": "float32"}}
    if torch.backends.cpu.get_cpu_capability() not in ("AVX2", "DEFAULT"):
        paths["float32 (AVX2 kernels)"].update(ATEN_CPU_CAPABILITY="avx2",
                                               ONEDNN_MAX_CPU_ISA="AVX2")
    if native_bfloat16(torch.device("cpu")):
        paths["bfloat16 (native)"] = {"GAE_PRECISION": "bfloat16"}
    return paths


def baseline_tree(commit: str, folder: Path) -> Path:
    """The project as it was at ``commit`` (the previous defaults), unpacked into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True,
                             stdout=subprocess.PIPE).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def notebook_run(tree: Path, notebook: str, parameters: list, env: dict, scratch: Path):
    """One full run with a fresh model cache, the kernel importing ``tree``'s gae_helpers.
    Returns the wall time, the peak memory (MiB) and the time of each section."""
    scratch.mkdir(parents=True)
    env = {**os.environ, **env, "GAE_CACHE_DIR": str(scratch / "cache"), "TQDM_DISABLE": "1",
           "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "papermill",
         "--cwd", str(tree / "notebooks"), "--log-level", "WARNING",
         str(tree / "notebooks" / notebook), str(scratch / "run.ipynb"),
         "-p", "output_dir", str(scratch / "run"), *parameters],
        check=True, env=env, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    return wall, int(done.stdout.split()[-1]) / 1024, section_times(scratch / "run.ipynb")


# Runs a command and prints the peak resident memory (KiB) of its largest process, the
# notebook's kernel included (papermill waits for it).
_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "stdout=sys.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

# The walkthrough now, and the same walkthrough at the baseline commit (one notebook per dataset).
WALKTHROUGHS = {"mnist": (("walkthrough.ipynb", ["-p", "dataset", "mnist"]),
                          ("01_mnist.ipynb", [])),
                "fashion-mnist": (("walkthrough.ipynb", ["-p", "dataset", "fashion-mnist"]),
                                  ("02_fashion_mnist.ipynb", []))}


def compare_walkthroughs(datasets, paths, baseline_commit, shipped: bool):
    """Each walkthrough's sections now and at the baseline, per path, as seconds and ratios."""
    from gae_helpers.run.report import cpu_kind, cpu_model

    say("CPU", f"{cpu_model()} ({cpu_kind()})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old_tree = baseline_tree(baseline_commit, tmp / "baseline") if baseline_commit else None
        for dataset in datasets:
            (new_nb, new_params), (old_nb, old_params) = WALKTHROUGHS[dataset]
            for path_name, env in paths.items():
                label = f"{dataset}, {path_name}"
                wall, peak, now = notebook_run(ROOT, new_nb, new_params, env,
                                               tmp / f"{dataset}-{len(env)}-now")
                say(f"{label}: walkthrough, fresh cache (s)", f"{wall:.0f}")
                say(f"{label}: peak memory of its largest process (MiB)", f"{peak:.0f}")
                if shipped:
                    wall_shipped, _, _ = notebook_run(
                        ROOT, new_nb, [*new_params, "-p", "pretrained_dir", "shipped"], env,
                        tmp / f"{dataset}-{len(env)}-shipped")
                    say(f"{label}: walkthrough on the shipped models, fresh cache (s)",
                        f"{wall_shipped:.0f}")
                if old_tree is None:
                    for section, seconds in now.items():
                        say(f"{label}: section '{section}' (s)", f"{seconds:.1f}")
                    continue
                old_wall, _, before = notebook_run(old_tree, old_nb, old_params, env,
                                                   tmp / f"{dataset}-{len(env)}-before")
                say(f"{label}: previous defaults ({baseline_commit}), fresh cache (s)",
                    f"{old_wall:.0f}")
                say(f"{label}: walkthrough now / previous defaults", f"{wall / old_wall:.2f}")
                print(f"| {label}: section | previous (s) | now (s) | now / previous |")
                print("| --- | --- | --- | --- |")
                for section in dict.fromkeys([*before, *now]):
                    b, n = before.get(section), now.get(section)
                    ratio = f"{n / b:.2f}" if b and n is not None else "-"
                    print(f"| {section} | {b if b is None else f'{b:.1f}'} | "
                          f"{n if n is None else f'{n:.1f}'} | {ratio} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="default: $GAE_DATA_DIR, else ./data")
    parser.add_argument("--images", type=int, default=12_800, help="images per timed epoch")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-notebooks", action="store_true",
                        help="skip the walkthrough runs (several minutes each)")
    parser.add_argument("--datasets", nargs="+", default=list(WALKTHROUGHS),
                        choices=list(WALKTHROUGHS))
    parser.add_argument("--paths", nargs="+", default=None, choices=["float32", "bfloat16"],
                        help="default: float32, and bfloat16 where this CPU has it natively")
    parser.add_argument("--baseline", default=BASELINE,
                        help="the commit whose walkthroughs are the previous defaults ('' to skip)")
    parser.add_argument("--skip-em", action="store_true",
                        help="skip the EM section (the walkthrough's mixtures, previous fitting "
                             "code against ours)")
    parser.add_argument("--skip-shipped", action="store_true",
                        help="skip the runs on the shipped models")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    from gae_helpers.run.report import software_stack

    print(f"# stack: {json.dumps(software_stack(), sort_keys=True)}", flush=True)
    say("torch threads", torch.get_num_threads())

    root = resolve_data_dir(args.data_dir)
    try:
        data = load_dataset("mnist", root, download=False)
        dataset = torchvision.datasets.MNIST(str(root), train=True,
                                             transform=transforms.ToTensor())
        say("data", f"MNIST from {root}")
    except DatasetNotFoundError:
        data = None
        dataset = torchvision.datasets.FakeData(args.images, (1, 28, 28), 10,
                                                transform=transforms.ToTensor())
        say("data", "FakeData (MNIST not found: set GAE_DATA_DIR for the real figures)")
    images = (data.x_train if data is not None
              else torch.stack([dataset[i][0] for i in range(args.images)]))

    config = AutoencoderConfig("conv", (1, 28, 28), args.latent_dim)
    speeds, bf16 = training_throughput(dataset, images, config, args.images, args.batch_size,
                                       args.repeats)
    baseline = speeds["DataLoader baseline (float32)"]
    say("native bfloat16 on this CPU", bf16)
    for name, speed in speeds.items():
        say(f"train throughput, {name} (images/s)", f"{speed:.0f}")
        say(f"train throughput ratio, {name} / baseline", f"{speed / baseline:.2f}")

    model = build_autoencoder(config, seed=0)
    train_autoencoder(model, images, epochs=1, progress=False)
    started = time.perf_counter()
    encode(model, images)
    say("encode throughput (images/s)", f"{len(images) / (time.perf_counter() - started):.0f}")
    if data is not None:
        inference_section(data)
    for dataset in (args.datasets if not args.skip_em else []):
        em_section(dataset, root)

    if args.skip_notebooks:
        return
    paths = cpu_paths()
    if args.paths:
        paths = {name: env for name, env in paths.items() if name.split()[0] in args.paths}
    compare_walkthroughs(args.datasets, paths, args.baseline or None, not args.skip_shipped)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
