"""Speed and memory figures, printed one per line as ``name: value`` (make bench).

* Training throughput of a baseline written the plain way (torch.utils.data.DataLoader over
  the torchvision dataset with a ToTensor transform, float32) and of each speed-up of
  gae_helpers.autoencoder.train_autoencoder added one at a time: in-memory batches, then
  channels_last or bfloat16 autocast on top of them, then all three (our loop). Same model,
  same batch size, measured alternately in this process; each as a ratio to the baseline.
* Encode throughput, and the fit time of the per-class GMMs on 60,000 codes.
* Wall time of each walkthrough's full default run (training included, a fresh model cache),
  the time of each of its sections, the time of a rerun with everything cached, and peak
  memory, unless --skip-notebooks.

The real MNIST is used when $GAE_DATA_DIR (or --data-dir) holds it; otherwise
torchvision's FakeData stands in for the throughput figures. Nothing here asserts:
the figures are printed for a person to judge.
"""

from __future__ import annotations

import argparse
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

from gae_helpers.autoencoder import AutoencoderConfig, build_autoencoder, encode, train_autoencoder
from gae_helpers.data import DatasetNotFoundError, load_dataset, resolve_data_dir
from gae_helpers.device import native_bfloat16
from gae_helpers.mixture import ClassGaussianMixture

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {"01_mnist.ipynb": [], "02_fashion_mnist.ipynb": [],
             "03_gae_vs_vae.ipynb": ["-p", "dataset", "mnist"]}


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


def section_times(executed) -> dict:
    """Seconds per "## N. Title" section of an executed notebook (papermill's cell timings)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    times, section = {}, "setup"
    for cell in nb.cells:
        heading = re.search(r"^## (.+)$", cell.source, re.M) if cell.cell_type == "markdown" \
            else None
        if heading:
            section = heading.group(1).strip()
        duration = cell.metadata.get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration is not None:
            times[section] = times.get(section, 0.0) + duration
    return times


def notebook_runs(name, data_dir):
    """Run a notebook's full default configuration twice in subprocesses: with a fresh model
    cache (training included), then again with the cache the first run filled. Returns both
    wall times, the peak memory and the fresh run's time per section."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GAE_CACHE_DIR": str(Path(tmp) / "cache"), "TQDM_DISABLE": "1"}
        if data_dir:
            env["GAE_DATA_DIR"] = str(Path(data_dir).resolve())
        timings, peaks = [], []
        for attempt in ("fresh", "cached"):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _MEASURE, sys.executable, "-m", "papermill",
                 "--cwd", str(ROOT / "notebooks"), "--log-level", "WARNING",
                 str(ROOT / "notebooks" / name), str(Path(tmp) / f"{attempt}.ipynb"),
                 "-p", "output_dir", str(Path(tmp) / attempt), *NOTEBOOKS[name]],
                check=True, env=env, stdout=subprocess.PIPE, text=True)
            timings.append(time.perf_counter() - started)
            peaks.append(int(done.stdout.split()[-1]) / 1024)
        sections = section_times(Path(tmp) / "fresh.ipynb")
    return timings, max(peaks), sections


# Runs a command and prints the peak resident memory (KiB) of its largest process, the
# notebook's kernel included (papermill waits for it).
_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "stdout=sys.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="default: $GAE_DATA_DIR, else ./data")
    parser.add_argument("--images", type=int, default=12_800, help="images per timed epoch")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-notebooks", action="store_true",
                        help="skip the two full notebook runs (about 10 minutes)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
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
    codes = encode(model, images)
    say("encode throughput (images/s)", f"{len(images) / (time.perf_counter() - started):.0f}")
    if data is not None:
        for k in (6, 12):
            started = time.perf_counter()
            ClassGaussianMixture(n_components=k, random_state=0).fit(codes, data.y_train)
            say(f"GMM fit, {k} components per class on {len(codes)} codes of "
                f"{codes.shape[1]} dims (s)", f"{time.perf_counter() - started:.1f}")

    if args.skip_notebooks:
        return
    for name in NOTEBOOKS:
        (fresh, cached), peak_mb, sections = notebook_runs(
            name, args.data_dir or os.environ.get("GAE_DATA_DIR"))
        say(f"notebook {name} full default run, fresh cache, training included (s)",
            f"{fresh:.0f}")
        for section, seconds in sections.items():
            say(f"notebook {name} section '{section}' (s)", f"{seconds:.1f}")
        say(f"notebook {name} rerun with models and GMMs cached (s)", f"{cached:.0f}")
        say(f"notebook {name} peak memory of its largest process (MiB)", f"{peak_mb:.0f}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
