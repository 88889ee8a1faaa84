"""The committed results (results/) and the README blocks written from them.

    python scripts/summarise_runs.py collect runs   # runs/*/metrics.json -> results/, with commands
    python scripts/summarise_runs.py readme         # rewrite README.md's marked blocks from results/
    python scripts/summarise_runs.py readme --check # exit 1 where a block differs (make test runs it)

``make results`` runs every run below into ``runs/``, then both commands. Each file under
``results/`` is a run's own ``metrics.json`` (parameters, software stack, every figure) with
the command that made it added; ``results/bench.txt`` is ``make bench``'s output. Every
README figure inside a ``<!-- BEGIN name -->`` / ``<!-- END name -->`` block is printed here
from those files, derived figures (differences, ratios, means) included, and so are the
sentences that draw conclusions from them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
README = ROOT / "README.md"

_NB = "papermill notebooks/walkthrough.ipynb OUT"
_VS = "papermill notebooks/03_gae_vs_vae.ipynb OUT"
# results/<name>: (the folder under runs/ that `make results` writes, the command that made it)
SOURCES = {
    "mnist": ("mnist", f"make reproduce ({_NB} -p dataset mnist)"),
    "fashion-mnist": ("fashion-mnist", f"make reproduce ({_NB} -p dataset fashion-mnist)"),
    "gae-vs-vae-mnist": ("gae-vs-vae-mnist", f"make reproduce ({_VS} -p dataset mnist)"),
    "gae-vs-vae-fashion-mnist": ("gae-vs-vae-fashion-mnist",
                                 f"make reproduce ({_VS} -p dataset fashion-mnist)"),
    "shipped-mnist": ("shipped/mnist", f"make results ({_NB} -p dataset mnist "
                                       f"-p pretrained_dir shipped)"),
    "shipped-fashion-mnist": ("shipped/fashion-mnist",
                              f"make results ({_NB} -p dataset fashion-mnist "
                              f"-p pretrained_dir shipped)"),
    "accurate-mnist": ("accurate/mnist", f"make results ({_NB} -p dataset mnist "
                                         f"-p preset accurate)"),
    **{f"float32-{ds}": (f"float32/{ds}", f"make results (GAE_PRECISION=float32 {_NB} "
                                           f"-p dataset {ds})") for ds in ("mnist", "fashion-mnist")},
}
DATASETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
_SEED = re.compile(r"(?P<ds>mnist|fashion-mnist)-(?P<seed>[1-9][0-9]*)")


def seed_sources(folder: Path) -> dict:
    """Like SOURCES, for the seed runs present in ``folder/seeds/`` (``runs/`` or ``results/``):
    ``<dataset>-<seed>`` for seeds 1 and up, as many as `make seeds SEEDS=...` made (seed 0 is
    the default run, ``<dataset>/``)."""
    return {f"seeds/{path.name}": (f"seeds/{path.name}", f"make seeds ({_NB} -p dataset "
                                                         f"{m['ds']} -p seed {m['seed']})")
            for path in sorted((folder / "seeds").glob("*"))
            if (m := _SEED.fullmatch(path.name)) and (path / "metrics.json").is_file()}
POST = {"mnist": 0.9766, "fashion-mnist": 0.8538}  # the post's test accuracy (quoted, not run)


def collect(runs: Path, results: Path = RESULTS) -> list:
    """Copy each run's metrics.json into ``results/<name>/`` with its command; the bench's
    output too. Returns the names written."""
    written = []
    for name, (folder, command) in {**SOURCES, **seed_sources(runs)}.items():
        source = runs / folder / "metrics.json"
        if not source.is_file():
            continue
        metrics = json.loads(source.read_text())
        target = results / name / "metrics.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"command": command, **metrics}, indent=1) + "\n")
        written.append(name)
    executed = runs / "gae-vs-vae-fashion-mnist" / "03_gae_vs_vae.ipynb"
    if executed.is_file():  # the Fashion-MNIST comparison, for readers (MNIST's is notebooks/03)
        from executed_notebooks import clean_executed_notebook

        target = results / "gae-vs-vae-fashion-mnist" / "03_gae_vs_vae.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(executed.read_bytes())
        clean_executed_notebook(target, unpair=True)
        written.append(str(target.relative_to(results)))
    if (runs / "bench.txt").is_file():
        from gae_helpers.run.report import software_stack

        results.mkdir(exist_ok=True)
        text = (runs / "bench.txt").read_text()
        if "# stack: " not in text:  # benchmark.py prints its stack; older output did not
            text = f"# stack: {json.dumps(software_stack(), sort_keys=True)}\n" + text
        text = "# command: make results (python scripts/benchmark.py --skip-notebooks)\n" + text
        (results / "bench.txt").write_text(text)
        written.append("bench.txt")
    return written


def load(results: Path = RESULTS) -> dict:
    """Every committed result: ``{name: metrics}`` and ``"bench": {line name: value}``."""
    out = {name: json.loads((results / name / "metrics.json").read_text())
           for name in {**SOURCES, **seed_sources(results)}
           if (results / name / "metrics.json").is_file()}
    targets = results / "make-targets.json"
    if targets.is_file():
        record = json.loads(targets.read_text())
        out["make-targets"] = record["targets"]
        out["make-targets-command"] = record["command"]
        out["make-targets-commit"] = record["commit"]
    bench = results / "bench.txt"
    out["bench"] = {}
    if bench.is_file():
        for line in bench.read_text().splitlines():
            if line.startswith("# stack: "):
                out["bench-stack"] = json.loads(line[len("# stack: "):])
            if ": " in line and not line.startswith(("|", "#")):
                key, value = line.rsplit(": ", 1)
                out["bench"][key] = value
    return out


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def f4(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def stack_line(m: dict) -> str:
    s = m.get("stack", {})
    return (f"Python {s.get('python')}, torch {s.get('torch')}, scikit-learn "
            f"{s.get('scikit-learn')}, numpy {s.get('numpy')}; {s.get('cpu')} "
            f"({s.get('cpu_kind')}, torch kernels {s.get('cpu_capability')}, "
            f"{s.get('threads')} threads); {s.get('precision')} training")


def mean_sd(values) -> str:
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def seed_numbers(r: dict, ds: str) -> list:
    """The seeds with a committed run: 0 (the default run) and each ``seeds/<ds>-<seed>``."""
    return [0] + sorted(int(name.rsplit("-", 1)[1]) for name in r
                        if name.startswith(f"seeds/{ds}-"))


def seeds(r: dict, ds: str, key: str) -> list:
    return [r[ds][key]] + [r[f"seeds/{ds}-{s}"][key] for s in seed_numbers(r, ds)[1:]]


def seed_span(numbers: list) -> str:
    """``0-4`` for consecutive seeds, else ``0, 1, 5``."""
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(map(str, numbers))


def fd(row: dict) -> str:
    return f"{row['frechet_distance']:.2f} ± {row['frechet_sd']:.2f}"


def paired(samples: dict, a: str, b: str) -> tuple:
    """The paired rule of gae_helpers.measure.sample_quality (imported: one rule, one place)."""
    from gae_helpers.measure.sample_quality import paired_difference

    d = paired_difference(samples, a, b)
    return d["gap"], d["se"], d["resolved"]


def block_accuracy(r: dict) -> str:
    dss = [ds for ds in DATASETS if ds in r]
    rows = [["the post (60 epochs, 6 components per class; quoted from the post)",
             *(f4(POST[ds]) for ds in dss)],
            ["this project, the post's 6 components",
             *(f4(r[ds]["accuracy_test_post_components"]) for ds in dss)],
            ["this project, defaults (12 components)",
             *(f"**{f4(r[ds]['accuracy_test'])}**" for ds in dss)]]
    numbers = {ds: seed_numbers(r, ds) for ds in dss}
    if all(len(n) > 1 for n in numbers.values()):
        spans = ("; ".join(f"{DATASETS[ds]} {seed_span(n)}" for ds, n in numbers.items())
                 if len({tuple(n) for n in numbers.values()}) > 1 else seed_span(numbers[dss[0]]))
        rows.append([f"defaults over seeds {spans} (mean ± sd, `make seeds`)",
                     *(mean_sd(seeds(r, ds, "accuracy_test")) for ds in dss)])
        rows.append(["the post's 6 components over the same seeds",
                     *(mean_sd(seeds(r, ds, "accuracy_test_post_components")) for ds in dss)])
    rows.append(["the defaults' validation accuracy (the held-out tenth of the training images)",
                 *(f4(r[ds].get("accuracy_validation")) for ds in dss)])
    rows.append(["baseline the method does not use: " + r[dss[0]]["baseline"]["classifier"]
                 + ", same codes (test)", *(f4(r[ds]["baseline"]["accuracy_test"])
                                            for ds in dss)])
    rows.append(["the class GMMs minus that baseline (test)",
                 *(f"{r[ds]['accuracy_test'] - r[ds]['baseline']['accuracy_test']:+.4f}"
                   for ds in dss)])
    out = [table(["test accuracy", *(DATASETS[ds] for ds in dss)], rows), ""]
    for ds in dss:
        gain = r[ds]["accuracy_test"] - POST[ds]
        out.append(f"* {DATASETS[ds]}: the defaults are {gain:+.4f} from the post's test "
                   f"accuracy; the same codes under the baseline SVC give "
                   f"{r[ds]['baseline']['accuracy_test']:.4f}, so "
                   + ("the generative head costs "
                      f"{r[ds]['baseline']['accuracy_test'] - r[ds]['accuracy_test']:.4f} "
                      "of what the codes carry."
                      if r[ds]["baseline"]["accuracy_test"] > r[ds]["accuracy_test"] else
                      "the class GMMs do at least as well as that discriminative classifier "
                      "on their own codes."))
    out.append("")
    out.append("Runs: " + "; ".join(f"`results/{ds}/metrics.json` ({stack_line(r[ds])})"
                                    for ds in dss) + ".")
    return "\n".join(out)


def block_measurements(r: dict) -> str:
    dss = [ds for ds in DATASETS if ds in r]
    s = {ds: r[ds]["samples"] for ds in dss}

    def other(m, score):
        kinds = [k for k in m["ood_auroc"][score] if k.endswith(" images") and
                 "inverted" not in k]
        return m["ood_auroc"][score][kinds[0]] if kinds else None

    rows = [
        ["reconstruction error on test (MSE per pixel)",
         *(f4(r[ds]["reconstruction_mse_test"]) for ds in dss)],
        ["the judge's own test accuracy", *(f4(r[ds]["judge_accuracy_test"]) for ds in dss)],
        ["real images (what a perfect sampler scores): Fréchet distance",
         *(fd(s[ds]["real images"]) for ds in dss)],
        ["reconstructions of held-out images: Fréchet distance",
         *(fd(s[ds]["reconstructions"]) for ds in dss)],
        ["class GMMs: judge agreement / confidence / Fréchet distance",
         *(f"{s[ds]['class_gmms']['judge_agreement']:.3f} / "
           f"{s[ds]['class_gmms']['judge_confidence']:.3f} / {fd(s[ds]['class_gmms'])}"
           for ds in dss)],
        ["class GMMs on the single GMM's codes: same",
         *(f"{s[ds]['class_gmms_same_codes']['judge_agreement']:.3f} / "
           f"{s[ds]['class_gmms_same_codes']['judge_confidence']:.3f} / "
           f"{fd(s[ds]['class_gmms_same_codes'])}" for ds in dss)],
        ["one GMM for all classes (same codes): confidence / Fréchet distance",
         *(f"{s[ds]['single_gmm']['judge_confidence']:.3f} / {fd(s[ds]['single_gmm'])}"
           for ds in dss)],
        ["uniform box: confidence / Fréchet distance",
         *(f"{s[ds]['uniform_box']['judge_confidence']:.3f} / {fd(s[ds]['uniform_box'])}"
           for ds in dss)],
        ["mean test log-likelihood, fitted on the same codes: class GMMs / one GMM",
         *(f"{r[ds]['test_loglik_class_gmms_same_codes']:.1f} / "
           f"{r[ds]['test_loglik_single_gmm']:.1f}" for ds in dss)],
        ["expected calibration error on test, before / after the temperature",
         *(f"{f4(r[ds]['ece_test'])} / {f4(r[ds]['ece_test_calibrated'])}" for ds in dss)],
        ["test images rejected as \"none\" (target 0.01)",
         *(f"{f4(r[ds]['reject_rate_test'])} ({r[ds]['reject_score']} score)" for ds in dss)],
        ["rejected: the other dataset / uniform noise / inverted test images",
         *(" / ".join(f4(r[ds].get(k)) for k in ("reject_rate_other_dataset",
                                                 "reject_rate_noise", "reject_rate_inverted"))
           for ds in dss)],
        ["AUROC test vs the other dataset: likelihood / reconstruction / combined",
         *(" / ".join(f4(other(r[ds], k)) for k in ("likelihood", "reconstruction",
                                                    "combined")) for ds in dss)],
        ["most similar pair by symmetric KL (pairs within 2 standard errors)",
         *(" & ".join(r[ds]["most_similar_pair"]) + " (" + (
             "; ".join(" & ".join(p) for p in r[ds]["most_similar_pair_ties"]) or "none")
           + ")" for ds in dss)],
    ]
    n, draws = s[dss[0]]["real images"]["n"], len(s[dss[0]]["real images"]["frechet_draws"])
    out = [table(["measured by the same runs", *(DATASETS[ds] for ds in dss)], rows), "",
           f"Fréchet distances: {n:,} images against {n:,} real test images, mean ± sd over "
           f"{draws} draws. What these numbers say, written from them:", ""]
    for ds in dss:
        gap, se, resolved = paired(s[ds], "class_gmms_same_codes", "single_gmm")
        verdict = ("the class GMMs sample closer" if resolved and gap > 0 else
                   "the single GMM samples closer" if resolved else
                   "the Fréchet distance cannot tell them apart at this n")
        ll_c, ll_s = r[ds]["test_loglik_class_gmms_same_codes"], r[ds]["test_loglik_single_gmm"]
        out.append(f"* {DATASETS[ds]}, \"sensible, but worse\" (one GMM for all classes) at "
                   f"equal data: single GMM minus class GMMs {gap:+.2f} ± {se:.2f} (paired "
                   f"over the draws): {verdict}; mean test log-likelihood "
                   f"{ll_c:.1f} (class GMMs) against {ll_s:.1f} (one GMM).")
    for ds in dss:
        aurocs = {k: other(r[ds], k) for k in ("likelihood", "reconstruction", "combined")}
        best = max(aurocs.values())
        names = [k for k, v in aurocs.items() if round(v, 4) == round(best, 4)]
        gap_real = s[ds]["class_gmms"]["frechet_distance"] - \
            s[ds]["real images"]["frechet_distance"]
        gap_rec = s[ds]["reconstructions"]["frechet_distance"] - \
            s[ds]["real images"]["frechet_distance"]
        out.append(f"* {DATASETS[ds]}: the class GMMs' samples lie {gap_real:.2f} above real "
                   f"images, the decoder's reconstructions {gap_rec:.2f} "
                   f"({gap_rec / gap_real:.0%} of it); the score that best tells the other "
                   f"dataset apart is {' and '.join(names)} (AUROC {best:.4f}).")
    return "\n".join(out)


def block_preset(r: dict) -> str:
    if "accurate-mnist" not in r or "mnist" not in r:
        return "No run of the accurate preset is committed."
    a, d = r["accurate-mnist"], r["mnist"]
    rows = [["test accuracy", f4(d["accuracy_test"]), f4(a["accuracy_test"])],
            ["validation accuracy", f4(d.get("accuracy_validation")),
             f4(a.get("accuracy_validation"))],
            ["reconstruction error (MSE per pixel)", f4(d["reconstruction_mse_test"]),
             f4(a["reconstruction_mse_test"])],
            ["class GMMs' samples: Fréchet distance", fd(d["samples"]["class_gmms"]),
             fd(a["samples"]["class_gmms"])],
            ["real images: Fréchet distance", fd(d["samples"]["real images"]),
             fd(a["samples"]["real images"])],
            ["seconds_total (fresh cache)", f"{d['seconds_total']:.0f}",
             f"{a['seconds_total']:.0f}"]]
    return (table(["MNIST", "defaults", "`-p preset accurate`"], rows) +
            f"\n\n`results/accurate-mnist/metrics.json` ({stack_line(a)}).")


def block_comparison(r: dict) -> str:
    from gae_helpers.measure.comparison import verdict

    names = {ds: f"gae-vs-vae-{ds}" for ds in DATASETS if f"gae-vs-vae-{ds}" in r}
    if not names:
        return "No AE-vs-VAE run is committed."
    rows = []
    for ds, key in names.items():
        m = r[key]["models"]
        rows.append([DATASETS[ds], f4(m["ae"]["accuracy_test"]), f4(m["vae"]["accuracy_test"]),
                     f4(m["ae"]["reconstruction_mse_test"]),
                     f4(m["vae"]["reconstruction_mse_test"])])
    out = [table(["", "autoencoder: class-GMM test accuracy", "VAE (its means)",
                  "autoencoder: reconstruction MSE", "VAE"], rows), ""]
    labels = {"ae_single_gmm": "**without labels:** autoencoder + one GMM",
              "vae_prior": "**without labels:** VAE + N(0, I) prior",
              "ae_class_gmms": "with labels: autoencoder + class GMMs (the post)",
              "vae_class_gmms": "with labels: VAE + class GMMs",
              "vae_single_gmm": "VAE + one GMM",
              "ae_reconstructions": "autoencoder reconstructions (floor)",
              "vae_reconstructions": "VAE reconstructions (floor)",
              "real images": "real images (baseline)"}
    n = next(iter(r[k]["samples"]["real images"]["n"] for k in names.values()))
    out.append(table([f"sampler: Fréchet distance at n = {n:,} (mean ± sd over the draws)",
                      *(DATASETS[ds] for ds in names)],
                     [[label, *(fd(r[key]["samples"][s]) for key in names.values())]
                      for s, label in labels.items()]))
    out.append("")
    for ds, key in names.items():
        out.append(f"{DATASETS[ds]} (`results/{key}/metrics.json`, {r[key]['seconds_total']:.0f}"
                   f" s; {stack_line(r[key])}), the verdict the notebook prints from it:")
        out.append("")
        out += [f"> {line}" for line in verdict(r[key]["models"], r[key]["samples"]).splitlines()]
        out.append("")
    return "\n".join(out).rstrip()


def block_speed(r: dict) -> str:
    dss = [ds for ds in DATASETS if ds in r]
    rows = []
    for ds in dss:
        shipped = r.get(f"shipped-{ds}")
        for key in (ds, f"float32-{ds}"):
            if key not in r:
                continue
            m = r[key]
            fitting = m.get("seconds_fitting", {})
            rows.append([f"{DATASETS[ds]} (`results/{key}/`)", m["stack"]["precision"],
                         f"{m['seconds_total']:.0f}", f"{m['seconds_training']['autoencoder']:.0f}",
                         f"{sum(fitting.values()):.1f}" if fitting else "n/a",
                         f"{m['accuracy_validation']:.4f} / {m['accuracy_test']:.4f}",
                         f"{shipped['seconds_total']:.0f}" if shipped and key == ds else ""])
    out = [table(["walkthrough", "training arithmetic", "seconds_total, fresh cache",
                  "autoencoder training (s)", "all mixtures' EM, sum of seconds_fitting (s)",
                  "validation / test accuracy", "on the shipped models (s)"], rows), ""]
    for ds in dss:
        for key in (ds, f"float32-{ds}"):
            fitting = r.get(key, {}).get("seconds_fitting", {})
            if fitting:
                out.append(f"* `results/{key}/` seconds_fitting: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in fitting.items()) + ".")
    bench = r["bench"]
    bench_cpu = r.get("bench-stack", {}).get("cpu", "not recorded")
    em = [k for k in bench if k.startswith("EM, ") and k.endswith(": now / previous")]
    if em:
        out += ["", f"`make bench`'s EM section (`results/bench.txt`; CPU: "
                    f"{bench_cpu}): the walkthrough's four mixtures on "
                    f"the shipped autoencoders' codes, the previous fitting code (tol 1e-3, "
                    f"every BLAS thread) against ours (one BLAS thread per fit, classes in "
                    f"parallel, the walkthrough's em_tol) in the same process:", ""]
        rows = []
        for key in em:
            stem = key[: -len(": now / previous")]
            rows.append([stem[len("EM, "):], bench[f"{stem}: previous code (s)"],
                         bench[f"{stem}: now (s)"], bench[key]])
        out.append(table(["mixture", "previous code (s)", "now (s)", "now / previous"], rows))
        acc = [k for k in bench if ": validation accuracy, previous / ours at tol 1e-3" in k]
        if acc:
            out += ["", "The class GMMs' validation accuracy, " + acc[0].split(": ", 1)[1]
                    .replace("validation accuracy, ", "") + ": " +
                    "; ".join(f"{k.split(',')[1].strip()} {bench[k]}" for k in acc) + "."]
    throughput = [k for k in bench if k.startswith("train throughput ratio")]
    if throughput:
        out += ["", "Training throughput in the same bench, as ratios to a plain `DataLoader` "
                    "loop: " + "; ".join(f"{k[len('train throughput ratio, '):]} "
                                         f"{bench[k]}" for k in throughput) + "."]
    return "\n".join(out)


def block_newcomer(r: dict) -> str:
    out = []
    targets = r.get("make-targets")
    if targets:
        out += [table(["make target (fresh clone)", "time", "stores"],
                      [[f"`{t['target']}`", t["duration"], t["stores"]] for t in targets]), ""]
    rows = []
    for ds in (d for d in DATASETS if d in r):
        rows.append([f"the walkthrough on {DATASETS[ds]}, from scratch (`make reproduce` runs "
                     f"both, then the comparison on both)", f"{r[ds]['seconds_total']:.0f} s"])
        if f"shipped-{ds}" in r:
            rows.append(["the same on the shipped models (`-p pretrained_dir shipped`)",
                         f"{r[f'shipped-{ds}']['seconds_total']:.0f} s"])
    for ds in DATASETS:
        if f"gae-vs-vae-{ds}" in r:
            rows.append([f"the AE-vs-VAE comparison on {DATASETS[ds]}, from scratch",
                         f"{r[f'gae-vs-vae-{ds}']['seconds_total']:.0f} s"])
    cpu = r[next(d for d in DATASETS if d in r)]["stack"]
    out.append(table(["notebook run", f"seconds_total on {cpu['cpu']} ({cpu['cpu_count']} "
                                      f"cores, {cpu['precision']} training)"], rows))
    out += ["", "Run times are the committed runs' `seconds_total` (`results/`)" +
            (f"; the make targets were timed by `{r['make-targets-command']}` on a fresh clone "
             f"of commit {r['make-targets-commit']}." if targets else ".")]
    return "\n".join(out)


BLOCKS = {"newcomer": block_newcomer, "accuracy": block_accuracy,
          "measurements": block_measurements, "preset": block_preset,
          "comparison": block_comparison, "speed": block_speed}
_MARK = re.compile(r"(<!-- BEGIN (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- END (?P=name) -->)",
                   re.S)


def render(results: Path = RESULTS) -> dict:
    r = load(results)
    return {name: make(r) for name, make in BLOCKS.items()}


def fill(text: str, blocks: dict) -> str:
    """``text`` with the body of every marked block replaced by ``blocks[name]``."""
    missing = set(blocks) - {m.group("name") for m in _MARK.finditer(text)}
    if missing:
        raise ValueError(f"README.md lacks the blocks {sorted(missing)}: add "
                         f"<!-- BEGIN name --> / <!-- END name --> markers.")
    return _MARK.sub(lambda m: m.group(1) + blocks[m.group("name")] + "\n" + m.group(4), text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="copy runs' metrics.json into results/")
    c.add_argument("runs", type=Path)
    rd = sub.add_parser("readme", help="rewrite README.md's blocks from results/")
    rd.add_argument("--check", action="store_true", help="only report blocks that differ")
    args = parser.parse_args(argv)
    if args.command == "collect":
        print("collected:", ", ".join(collect(args.runs)) or "nothing")
        return 0
    text = README.read_text()
    new = fill(text, render())
    if args.check:
        if new != text:
            print("README.md's generated blocks differ from results/: run "
                  "`python scripts/summarise_runs.py readme`.", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    print("README.md blocks written:", ", ".join(BLOCKS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
