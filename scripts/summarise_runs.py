"""Print the README's result tables from the metrics.json of `make reproduce` or `make seeds`.

    python scripts/summarise_runs.py runs              # walkthroughs and AE-vs-VAE tables
    python scripts/summarise_runs.py --seeds runs/seeds  # mean +/- std over the seed runs

Every number printed comes from a metrics.json; each table names the stack that made it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from gae_helpers.report import load_metrics

WALKTHROUGHS = {"MNIST": "mnist", "Fashion-MNIST": "fashion-mnist"}
TRAINED_AS = {"ae": "autoencoder", "vae": "vae"}
VERSUS = {"MNIST": "gae-vs-vae-mnist", "Fashion-MNIST": "gae-vs-vae-fashion-mnist"}


def stack_line(metrics: dict) -> str:
    s = metrics.get("stack", {})
    return (f"Python {s.get('python')}, torch {s.get('torch')}, torchvision "
            f"{s.get('torchvision')}, scikit-learn {s.get('scikit-learn')}, numpy "
            f"{s.get('numpy')}, {s.get('device')} ({s.get('device_name')}, "
            f"{s.get('cpu_kind', '?')}, torch kernels {s.get('cpu_capability', '?')}, "
            f"{s.get('threads')} threads), {s.get('precision')} training")


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value, digits=4):
    return "n/a" if value is None else f"{value:.{digits}f}"


def walkthrough_tables(root: Path) -> str:
    runs = {name: load_metrics(root / folder / "metrics.json")
            for name, folder in WALKTHROUGHS.items() if (root / folder / "metrics.json").is_file()}
    if not runs:
        return "no walkthrough runs under " + str(root)
    out = ["Accuracy (test):", table(
        ["", *runs], [
            ["this project, the post's 6 components",
             *(fmt(m["accuracy_test_post_components"]) for m in runs.values())],
            ["this project, defaults", *(fmt(m["accuracy_test"]) for m in runs.values())],
            ["seconds_total (fresh cache)", *(f"{m['seconds_total']:.0f}" for m in runs.values())],
        ])]
    rows = [
        ("reconstruction error on test (MSE per pixel)",
         lambda m: fmt(m["reconstruction_mse_test"])),
        ("judge's own test accuracy", lambda m: fmt(m["judge_accuracy_test"])),
    ]
    for sampler in ("class_gmms", "class_gmms_same_codes", "single_gmm", "uniform_box",
                    "reconstructions", "real images"):
        rows.append((f"{sampler}: judge agreement / confidence / Fréchet distance ± sd",
                     lambda m, s=sampler: sampler_cell(m["samples"][s])))
    rows += [
        ("ECE on test, before / after temperature",
         lambda m: f"{fmt(m['ece_test'])} / {fmt(m['ece_test_calibrated'])}"),
        ("reject rate on test (target 0.01), default score",
         lambda m: f"{fmt(m['reject_rate_test'])} ({m['reject_score']})"),
        ("rejected: other dataset / uniform noise / inverted",
         lambda m: " / ".join(fmt(m.get(k), 3) for k in ("reject_rate_other_dataset",
                                                          "reject_rate_noise",
                                                          "reject_rate_inverted"))),
        ("AUROC vs other dataset: likelihood / reconstruction / combined",
         lambda m: " / ".join(fmt(_other(m["ood_auroc"][s]), 3)
                              for s in ("likelihood", "reconstruction", "combined"))),
        ("most similar pair (ties at 2 s.e.)",
         lambda m: " & ".join(m["most_similar_pair"]) + " (" + (
             "; ".join(" & ".join(p) for p in m["most_similar_pair_ties"]) or "none") + ")"),
    ]
    out += ["", "Measurements:", table(["", *runs], [[label, *(f(m) for m in runs.values())]
                                                    for label, f in rows])]
    out += ["", *(f"{name}: {stack_line(m)}" for name, m in runs.items())]
    return "\n".join(out)


def sampler_cell(row: dict) -> str:
    """Agreement / confidence / Fréchet distance ± its spread (at the row's n)."""
    return (f"{fmt(row.get('judge_agreement'), 3)} / {fmt(row.get('judge_confidence'), 3)} / "
            f"{row['frechet_distance']:.2f} ± {row['frechet_sd']:.2f} (n={row['n']})")


def _other(aurocs: dict):
    others = [v for k, v in aurocs.items() if k.endswith(" images") and "inverted" not in k]
    return others[0] if others else None


def versus_tables(root: Path) -> str:
    runs = {name: load_metrics(root / folder / "metrics.json")
            for name, folder in VERSUS.items() if (root / folder / "metrics.json").is_file()}
    if not runs:
        return "no AE-vs-VAE runs under " + str(root)
    rows = []
    for name, m in runs.items():
        for model in ("ae", "vae"):
            rows.append([name, model, fmt(m["models"][model]["accuracy_test"]),
                         fmt(m["models"][model]["reconstruction_mse_test"]),
                         f"{m['seconds_training'][TRAINED_AS[model]]:.0f}"])
    out = [table(["dataset", "model", "class-GMM test accuracy", "reconstruction MSE",
                  "training s"], rows), ""]
    samplers = ["ae_single_gmm", "vae_prior", "ae_class_gmms", "vae_class_gmms", "vae_single_gmm",
                "ae_reconstructions", "vae_reconstructions", "real images"]
    rows = [[s, *(sampler_cell(m["samples"][s]) for m in runs.values())] for s in samplers]
    out += [table(["sampler (agreement / confidence / Fréchet ± sd)", *runs], rows), ""]
    for name, m in runs.items():
        shares = m["gap_shares"]
        split = ("" if shares["density_share"] is None else
                 f"; of the gap VAE prior -> AE class GMMs ({shares['total']:.2f}), "
                 f"{shares['density_share']:.0%} from the ex-post density, "
                 f"{shares['codes_share']:.0%} from the codes")
        out.append(f"{name}{split}; {stack_line(m)}; seconds_total {m['seconds_total']:.0f}")
    return "\n".join(out)


def seed_table(root: Path) -> str:
    rows = []
    for name, folder in WALKTHROUGHS.items():
        runs = [load_metrics(p) for p in sorted(root.glob(f"{folder}-*/metrics.json"))]
        if not runs:
            continue
        for key in ("accuracy_test", "accuracy_test_post_components"):
            values = [m[key] for m in runs]
            spread = statistics.stdev(values) if len(values) > 1 else float("nan")
            rows.append([name, key, len(values), f"{statistics.mean(values):.4f} ± {spread:.4f}",
                         ", ".join(f"{v:.4f}" for v in values)])
        stack = stack_line(runs[0])
    if not rows:
        return "no seed runs under " + str(root)
    return table(["dataset", "metric", "seeds", "mean ± std", "values"], rows) + \
        f"\n\nstack: {stack}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--seeds", action="store_true", help="summarise the seed runs")
    args = parser.parse_args(argv)
    print(seed_table(args.root) if args.seeds else
          walkthrough_tables(args.root) + "\n\n" + versus_tables(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
