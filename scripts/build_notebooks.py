"""Write the walkthrough notebooks' cells (no outputs) from one template.

Both notebooks tell the same story with the same code; only the narrative about
the dataset and the defaults of the parameters cell differ. Edit the cells here,
then run ``make notebooks`` (this script, then full runs whose outputs are kept).

    python scripts/build_notebooks.py            # rewrite notebooks/*.ipynb
    python scripts/build_notebooks.py --check    # exit 1 if they differ from this template
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS = {
    "01_mnist.ipynb": {
        "TITLE": "MNIST",
        "LATENT": "32",
        "EPOCHS": "15",
        "DATASET": "mnist",
        "OTHER": '"fashion-mnist"',
        "OUTPUT": "../runs/mnist",
        "PAIRS": "[(1, 7), (3, 8), (4, 9)]",
        "PAIRS_COMMENT": "class indices to morph: 1 into 7, 3 into 8, 4 into 9",
        "ABOUT": ("MNIST: 70,000 handwritten digits, 28x28 pixels, 60,000 for training and "
                  "10,000 for testing"),
        "HARD": ("Digits that share strokes (4 and 9, 3 and 8) morph smoothly; the KL "
                 "divergences below say which classes the mixtures find closest"),
    },
    "02_fashion_mnist.ipynb": {
        "TITLE": "Fashion-MNIST",
        "LATENT": "64",
        "EPOCHS": "25",
        "DATASET": "fashion-mnist",
        "OTHER": '"mnist"',
        "OUTPUT": "../runs/fashion-mnist",
        "PAIRS": "[(7, 6), (5, 9), (0, 3)]",
        "PAIRS_COMMENT": ("class indices to morph: Sneaker into Shirt (the post's hard case), "
                          "Sandal into Ankle boot, T-shirt/top into Dress"),
        "ABOUT": ("Fashion-MNIST: 70,000 greyscale photos of clothes in 10 classes, 28x28 "
                  "pixels, split 60,000 / 10,000 like MNIST but much harder to tell apart"),
        "HARD": ("The post found a shoe turning into a shirt hard to morph: the path runs "
                 "through codes that belong to neither class"),
    },
}

PARAMETERS = '''\
dataset: str = "DATASET"  # "mnist", "fashion-mnist" or "digits" (8x8, built in, no download)
data_dir: "Optional[str]" = None  # dataset folder; None: $GAE_DATA_DIR, else ./data
other_dataset: "Optional[str]" = OTHER  # images of no class, for "The 'none' option"; None: skip
n_train: "Optional[int]" = None  # training images, a stratified subset; None for all
n_test: "Optional[int]" = None  # test images, a stratified subset; None for all
architecture: str = "conv"  # autoencoder: "conv" (convolutions, then dense) or "dense"
latent_dim: int = LATENT  # size of the latent code
epochs: int = EPOCHS  # passes over the training images
batch_size: int = 128  # images per Adam step
learning_rate: float = 1e-3  # Adam's step size
precision: str = "auto"  # training arithmetic: "auto" (bfloat16 where native), "float32"
n_components: int = 12  # Gaussian components per class (chosen on a validation split)
post_n_components: int = 6  # the post's number of components, reported beside ours
covariance_type: str = "full"  # of each component: "full", "tied", "diag" or "spherical"
reg_covar: float = 0.1  # added to each covariance's diagonal; regularises the GMMs
reject_quantile: float = 0.01  # reject below this quantile of a class's training log-likelihoods
samples_per_class: int = 10  # images per row in the sample, style and morph figures
interpolation_pairs: list = PAIRS  # PAIRS_COMMENT
n_monte_carlo: int = 5000  # samples per class for the entropy and KL estimates
pooled_fit_size: int = 10000  # codes the single all-class GMM is fitted to (EM is slow)
seed: int = 0  # seeds training, subsets, mixtures and samples
device: str = "auto"  # "auto" (CUDA when present, else CPU), "cpu" or "cuda"
output_dir: str = "OUTPUT"  # figures and metrics.json; relative to the notebook's folder
cache_dir: "Optional[str]" = None  # model cache; None: $GAE_CACHE_DIR, else ~/.cache/gae'''

CELLS = [
    ("markdown", '''\
# Gaussian Auto Embeddings on TITLE

This notebook retraces Vincent Warmerdam's post *Gaussian Auto Embeddings* (2018) on ABOUT.
The recipe: train a plain autoencoder **without labels**, then fit one Gaussian mixture model
(GMM) per class to the latent codes of that class. Those GMMs let us

* sample new images of a chosen class through the decoder,
* classify by likelihood, and say "none of the classes" when nothing is likely,
* morph one class into another, show each class's "styles", and compare classes.

Every number in this notebook is printed by this run. The functions it calls live in the
`gae_helpers` package next to it; their docstrings name the section they serve.'''),
    ("markdown", '''\
## 1. Setup and parameters

Every knob lives in the next cell, which is tagged `parameters` for
[papermill](https://papermill.readthedocs.io): `papermill --help-notebook NOTEBOOK` lists them
and `-p name value` overrides one, e.g. `-p dataset digits -p epochs 5` for a quick run.
The defaults were chosen on a validation split of the training images (see the README);
the test images are only ever reported.'''),
    ("parameters", PARAMETERS),
    ("code", '''\
%matplotlib inline
import numpy as np
import torch
from IPython.display import display

from gae_helpers import analysis, plots
from gae_helpers.autoencoder import AutoencoderConfig, decode, encode, reconstruct
from gae_helpers.checkpoint import train_or_load
from gae_helpers.data import load_dataset, load_other_images
from gae_helpers.mixture import (ClassGaussianMixture, fit_pooled_gmm, sample_gmm,
                                 with_reject_option)
from gae_helpers.report import Run, accuracy_table, format_table, probability_table

torch.manual_seed(seed)
run = Run(output_dir, dict(
    dataset=dataset, data_dir=data_dir, other_dataset=other_dataset, n_train=n_train,
    n_test=n_test, architecture=architecture, latent_dim=latent_dim, epochs=epochs,
    batch_size=batch_size, learning_rate=learning_rate, precision=precision,
    n_components=n_components,
    post_n_components=post_n_components, covariance_type=covariance_type, reg_covar=reg_covar,
    reject_quantile=reject_quantile, samples_per_class=samples_per_class,
    interpolation_pairs=interpolation_pairs, n_monte_carlo=n_monte_carlo,
    pooled_fit_size=pooled_fit_size, seed=seed,
    device=device, output_dir=output_dir, cache_dir=cache_dir))
data = load_dataset(dataset, data_dir, n_train=n_train, n_test=n_test, seed=seed)
names = data.class_names
print(data)'''),
    ("markdown", '''\
## 2. Autoencoder

The autoencoder squeezes each image into `latent_dim` numbers and rebuilds it from them. It is
trained on the images alone: labels appear only later, when we fit one GMM per class. A trained
model is cached under its data, architecture and training settings, so a rerun loads it in a
second.'''),
    ("code", '''\
config = AutoencoderConfig(architecture, data.image_shape, latent_dim)
trained = train_or_load(data.x_train, config, epochs=epochs, batch_size=batch_size,
                        learning_rate=learning_rate, seed=seed, device=device,
                        precision=precision, cache_dir=cache_dir)
autoencoder = trained.model
run.metrics["seconds_training"] = round(trained.seconds, 1)
run.metrics["autoencoder_from_cache"] = trained.from_cache
print(f"autoencoder {'loaded from cache' if trained.from_cache else 'trained'} "
      f"in {trained.seconds:.1f} s")
print(f"{config.architecture} autoencoder, latent_dim={config.latent_dim}, "
      f"{sum(p.numel() for p in autoencoder.parameters()):,} weights; "
      f"loss after epoch {len(trained.history)}: {trained.history[-1]:.4f}")
display(plots.plot_loss_curve(trained.history, path=run.figure_path("loss_curve")))'''),
    ("code", '''\
z_train, z_test = encode(autoencoder, data.x_train), encode(autoencoder, data.x_test)
reconstructions = reconstruct(autoencoder, data.x_test)
run.metrics["reconstruction_mse_test"] = analysis.reconstruction_error(data.x_test,
                                                                       reconstructions)
print(f"reconstruction error on the test images (mean squared error per pixel): "
      f"{run.metrics['reconstruction_mse_test']:.4f}")
display(plots.plot_image_rows([data.x_test[:12], reconstructions[:12]], ["original", "rebuilt"],
                              title="Test images and their reconstructions",
                              path=run.figure_path("reconstructions")))'''),
    ("markdown", '''\
## 3. Sampling data

Now the labels come in. For each class we fit a GMM with `n_components` components to the
latent codes of that class's training images. Sampling a code from a class's GMM and decoding
it gives a new image of that class.'''),
    ("code", '''\
gmm = ClassGaussianMixture(n_components=n_components, covariance_type=covariance_type,
                           reg_covar=reg_covar, random_state=seed).fit(z_train, data.y_train)
print(f"{len(gmm.classes_)} class GMMs with {n_components} {covariance_type}-covariance "
      f"components each on {z_train.shape[1]}-d codes; all converged: {gmm.converged_}")
class_samples = [decode(autoencoder, gmm.sample(samples_per_class, k, random_state=seed)[0])
                 for k in gmm.classes_]
display(plots.plot_image_rows(class_samples, names, title="Decoded samples, one row per class GMM",
                              path=run.figure_path("samples_per_class")))'''),
    ("markdown", '''\
## 4. One GMM for all classes

The post also fits a single GMM to all codes, labels unused, and finds its samples "sensible,
but worse". To put a number on "worse" we decode samples of both models, encode the images
again, and ask the per-class model which class it sees: a clear image gets one class with high
probability. The single GMM gets as many components as all class GMMs together and, to keep
the run short, is fitted to `pooled_fit_size` random training codes.'''),
    ("code", '''\
pooled = fit_pooled_gmm(z_train, n_components * len(names), covariance_type, reg_covar,
                        max_samples=pooled_fit_size, random_state=seed)
z_from_classes, y_from_classes = gmm.sample(1000, random_state=seed)
z_from_pooled = sample_gmm(pooled, 1000, random_state=seed)
proba_classes = analysis.roundtrip_proba(autoencoder, gmm, z_from_classes)
proba_pooled = analysis.roundtrip_proba(autoencoder, gmm, z_from_pooled)
run.metrics["sample_recognised_as_drawn_class"] = float(
    (gmm.classes_[proba_classes.argmax(1)] == y_from_classes).mean())
run.metrics["sample_confident_share_per_class_gmms"] = float((proba_classes.max(1) > 0.9).mean())
run.metrics["sample_confident_share_single_gmm"] = float((proba_pooled.max(1) > 0.9).mean())
run.metrics["test_loglik_per_class_gmms"] = float(gmm.score_samples(z_test).mean())
run.metrics["test_loglik_single_gmm"] = float(pooled.score_samples(z_test).mean())
print(format_table([
    ["per-class GMMs", run.metrics["sample_confident_share_per_class_gmms"],
     run.metrics["test_loglik_per_class_gmms"]],
    ["one GMM for all", run.metrics["sample_confident_share_single_gmm"],
     run.metrics["test_loglik_single_gmm"]],
], ["model", "share of samples with p(class) > 0.9", "mean test log-likelihood"]))
print(f"samples of the class GMMs recognised as the class drawn from: "
      f"{run.metrics['sample_recognised_as_drawn_class']:.4f}")
display(plots.plot_image_rows(
    [row[:samples_per_class // 2] for row in class_samples]
    + [decode(autoencoder, z_from_pooled[:samples_per_class])], [*names, "one GMM"],
    title="Per-class samples (top) and one GMM's (bottom)",
    path=run.figure_path("samples_single_gmm")))'''),
    ("markdown", '''\
## 5. Manifold evidence

The codes of real images fill only a thin part of the latent space. Points drawn uniformly from
the box around all codes decode to smudges, and the class GMMs give them far lower
log-likelihood than real test codes: the mixtures have learned where the images live.'''),
    ("code", '''\
z_uniform = analysis.uniform_box_samples(z_train, 1000, random_state=seed)
loglik_test, loglik_uniform = gmm.score_samples(z_test), gmm.score_samples(z_uniform)
run.metrics["loglik_median_test"] = np.median(loglik_test)
run.metrics["loglik_median_uniform_box"] = np.median(loglik_uniform)
run.metrics["uniform_box_above_test_1pct"] = np.mean(loglik_uniform > np.quantile(loglik_test,
                                                                                   0.01))
print(f"median log-likelihood: test codes {run.metrics['loglik_median_test']:.1f}, "
      f"uniform box samples {run.metrics['loglik_median_uniform_box']:.1f}")
print(f"uniform samples more likely than the least likely 1% of test codes: "
      f"{run.metrics['uniform_box_above_test_1pct']:.4f}")
display(plots.plot_image_rows([decode(autoencoder, z_uniform[:2 * samples_per_class])],
                              ["uniform"], title="Decoded uniform samples from the latent box",
                              path=run.figure_path("uniform_box_samples")))
display(plots.plot_histograms({"test codes": loglik_test, "uniform box samples": loglik_uniform},
                              "log-likelihood under the class GMMs", "Where the images live",
                              path=run.figure_path("loglik_uniform_vs_test")))'''),
    ("markdown", '''\
## 6. Predicting data

Bayes' rule turns the class likelihoods into class probabilities: p(class | code) is
proportional to p(code | class) p(class), normalised in log space. The table puts this run
beside the post's numbers, with the post's 6 components per class and with ours.'''),
    ("code", '''\
post_gmm = gmm if post_n_components == n_components else ClassGaussianMixture(
    n_components=post_n_components, covariance_type=covariance_type, reg_covar=reg_covar,
    random_state=seed).fit(z_train, data.y_train)
accuracy = {"train": gmm.score(z_train, data.y_train), "test": gmm.score(z_test, data.y_test)}
accuracy_post_setting = {"train": post_gmm.score(z_train, data.y_train),
                         "test": post_gmm.score(z_test, data.y_test)}
run.metrics.update(accuracy_train=accuracy["train"], accuracy_test=accuracy["test"],
                   accuracy_train_post_components=accuracy_post_setting["train"],
                   accuracy_test_post_components=accuracy_post_setting["test"])
print(accuracy_table(dataset, accuracy, accuracy_post_setting, n_components,
                     post_n_components))'''),
    ("code", '''\
proba_test = gmm.predict_proba(z_test)
predicted_test = gmm.classes_[proba_test.argmax(axis=1)]
display(plots.plot_confusion_matrix(data.y_test, predicted_test, names,
                                    path=run.figure_path("confusion_matrix")))
print("Class probabilities of the first five test images:")
print(probability_table(proba_test, data.y_test, names, range(5)))'''),
    ("code", '''\
wrong = analysis.most_confident_errors(proba_test, data.y_test, gmm.classes_, n=10)
print(f"{(predicted_test != data.y_test).sum()} of {len(data.y_test)} test images are "
      f"misclassified; the most confident mistakes (true -> predicted, probability):")
captions = [f"{names[data.y_test[i]]}->{names[predicted_test[i]]} {proba_test[i].max():.2f}"
            for i in wrong]
display(plots.plot_image_grid(data.x_test[wrong], captions,
                              title="Most confidently wrong test images",
                              path=run.figure_path("confident_mistakes")))'''),
    ("markdown", '''\
## 7. The 'none' option

A classifier that must always pick a class is confidently wrong on images of no class. With
the GMMs we can say "none": each class gets a threshold, the `reject_quantile` of its own
training codes' log-likelihood, and an image whose code falls below the threshold of the class
it would be given is rejected. `with_reject_option` adds the thresholds to the mixtures we
already have: the same as fitting again with `reject_quantile` set.'''),
    ("code", '''\
rejecting = with_reject_option(gmm, z_train, data.y_train, reject_quantile)
print(format_table([[name, f"{t:.1f}"] for name, t in zip(names, rejecting.thresholds_)],
                   ["class", "log-likelihood threshold"]))
rejected_test = rejecting.reject(z_test)
run.metrics["reject_rate_test"] = float(rejected_test.mean())
run.metrics["accuracy_test_kept"] = float((predicted_test == data.y_test)[~rejected_test].mean())
run.metrics["accuracy_test_rejected"] = float(
    (predicted_test == data.y_test)[rejected_test].mean()) if rejected_test.any() else None
print(f"test images rejected: {run.metrics['reject_rate_test']:.4f}; accuracy on the rest: "
      f"{run.metrics['accuracy_test_kept']:.4f} (all: {accuracy['test']:.4f})")
if rejected_test.any():
    print(f"accuracy the rejected images would have had: "
          f"{run.metrics['accuracy_test_rejected']:.4f}")
    display(plots.plot_image_grid(data.x_test[rejected_test][:20],
                                  [names[k] for k in data.y_test[rejected_test][:20]],
                                  title="Rejected test images (true class above)",
                                  path=run.figure_path("rejected_test_images")))'''),
    ("code", '''\
other_images = load_other_images(other_dataset, data.image_shape, n=2000, data_dir=data_dir,
                                 seed=seed)
noise_images = torch.rand((1000, *data.image_shape), generator=torch.Generator().manual_seed(seed))
run.metrics["reject_rate_noise"] = rejecting.reject(encode(autoencoder, noise_images)).mean()
print(f"uniform noise images rejected: {run.metrics['reject_rate_noise']:.4f}")
if other_images is not None:
    other_rejected = rejecting.reject(encode(autoencoder, other_images))
    run.metrics["reject_rate_other_dataset"] = float(other_rejected.mean())
    print(f"{other_dataset} test images rejected: {other_rejected.mean():.4f}")
    display(plots.plot_image_grid(
        other_images[:20], ["none" if r else "kept" for r in other_rejected[:20]],
        title=f"{other_dataset} images shown to the {dataset} model",
        path=run.figure_path("other_dataset_rejection")))'''),
    ("markdown", '''\
## 8. Transitioning classes

Draw a code from one class's GMM and one from another's, walk the straight line between them
and decode each step. HARD. Under each strip we print the class the model assigns along the
way.'''),
    ("code", '''\
strips, strip_labels = [], []
for start_class, end_class in interpolation_pairs:
    start, _ = gmm.sample(1, start_class, random_state=seed)
    end, _ = gmm.sample(1, end_class, random_state=seed)
    path_codes = analysis.interpolate(start, end, steps=samples_per_class)
    strips.append(decode(autoencoder, path_codes))
    strip_labels.append(f"{names[start_class]} -> {names[end_class]}")
    print(f"{strip_labels[-1]}: " + " ".join(names[k] for k in gmm.predict(path_codes)))
display(plots.plot_image_rows(strips, strip_labels, title="Interpolating between two classes",
                              path=run.figure_path("interpolations")))'''),
    ("markdown", '''\
## 9. Articulating styles

Each component of a class's GMM is a "style" of that class: decoding the component means shows
them side by side, ordered by their weight in the mixture.'''),
    ("code", '''\
styles = [decode(autoencoder, g.means_[g.weights_.argsort()[::-1]]) for g in gmm.gmms_]
print("largest component weight per class: " + ", ".join(
    f"{name} {g.weights_.max():.2f}" for name, g in zip(names, gmm.gmms_)))
display(plots.plot_image_rows(styles, names, title="Decoded component means, heaviest first",
                              path=run.figure_path("styles")))'''),
    ("markdown", '''\
## 10. Class similarity

How spread out is each class, and how alike are two classes? The entropy of a class's GMM
measures its spread; the KL divergence KL(p || q) says how surprised q is by codes drawn from
p. Neither has a closed form for mixtures, so both are Monte Carlo estimates from
`n_monte_carlo` samples, printed with their standard errors.'''),
    ("code", '''\
entropy, entropy_se = analysis.class_entropies(gmm, n_monte_carlo, random_state=seed)
kl, kl_se = analysis.kl_divergence_matrix(gmm.gmms_, n_monte_carlo, random_state=seed)
run.metrics["entropy"] = dict(zip(names, entropy.round(2)))
print(format_table([[name, f"{h:.1f} +/- {se:.1f}"] for name, h, se in
                    zip(names, entropy, entropy_se)], ["class", "entropy (nats)"]))
display(plots.plot_kl_heatmap(kl, names, path=run.figure_path("kl_divergence")))'''),
    ("code", '''\
pairs = analysis.ranked_pairs(kl, names)
run.metrics["most_similar_pair"] = pairs[0][:2]
run.metrics["least_similar_pair"] = pairs[-1][:2]
a, b = interpolation_pairs[0]
run.metrics[f"kl_{names[a]}_{names[b]}"] = round(float(kl[a, b]), 2)
print(f"KL({names[a]} || {names[b]}) = {kl[a, b]:.1f} +/- {kl_se[a, b]:.1f} nats")
print("most similar pairs (symmetric KL): " + "; ".join(f"{p} & {q} {d:.1f}"
                                                       for p, q, d in pairs[:3]))
print("least similar pairs (symmetric KL): " + "; ".join(f"{p} & {q} {d:.1f}"
                                                        for p, q, d in pairs[-3:]))'''),
    ("markdown", '''\
## 11. What doesn't work well

The method has honest limits, and this run measures them: the class it gets wrong most, the
pair it confuses most, how much of another dataset it still accepts, and how blurry the
decoder's images are. Read the numbers below against the figures above.'''),
    ("code", '''\
class_accuracy = analysis.per_class_accuracy(data.y_test, predicted_test, gmm.classes_)
worst = class_accuracy.argmin()
run.metrics["worst_class"] = {"class": names[worst], "accuracy_test": class_accuracy[worst]}
print(f"worst class: {names[worst]} with test accuracy {class_accuracy[worst]:.4f}")
print("most frequent confusions: " + "; ".join(
    f"{names[t]} taken for {names[p]} {count} times"
    for t, p, count in analysis.top_confusions(data.y_test, predicted_test, gmm.classes_)))
correct_rejected = int((rejected_test & (predicted_test == data.y_test)).sum())
print(f"the reject option throws away {rejected_test.sum()} test images, {correct_rejected} of "
      f"them correctly classified")
if "reject_rate_other_dataset" in run.metrics:
    print(f"{other_dataset} images accepted as some {dataset} class: "
          f"{1 - run.metrics['reject_rate_other_dataset']:.4f}")
print(f"reconstruction error per pixel: {run.metrics['reconstruction_mse_test']:.4f} "
      f"(the decoder averages away detail)")'''),
    ("markdown", '''\
## Where the results are

The run's figures and `metrics.json` (every number above, the parameters and the run time) are
in `output_dir`.'''),
    ("code", '''\
metrics_path = run.save()
print(f"wrote {metrics_path} and {len(list(run.dir.glob('*.png')))} figures into {run.dir}")
print(f"test accuracy {run.metrics['accuracy_test']:.4f}, train accuracy "
      f"{run.metrics['accuracy_train']:.4f}, {run.metrics['seconds_total']:.0f} s in all")'''),
]


def build(spec: dict) -> nbformat.NotebookNode:
    """One notebook from the template, with the placeholders of ``spec`` filled in."""
    def fill(text):
        for key in sorted(spec, key=len, reverse=True):
            text = text.replace(key, spec[key])
        return text

    cells = []
    for kind, source in CELLS:
        if kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(fill(source)))
        elif kind == "parameters":
            cells.append(nbformat.v4.new_code_cell(fill(source),
                                                   metadata={"tags": ["parameters"]}))
        else:
            cells.append(nbformat.v4.new_code_cell(source))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def code_sources(nb) -> list:
    """The code cells' sources: what decides whether a notebook is up to date."""
    return [c.source for c in nb.cells if c.cell_type == "code"
            and "injected-parameters" not in c.metadata.get("tags", [])]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when notebooks/ differs from the template")
    parser.add_argument("--out", default=str(ROOT / "notebooks"))
    args = parser.parse_args(argv)
    stale = []
    for name, spec in NOTEBOOKS.items():
        path = Path(args.out) / name
        nb = build(spec)
        if args.check:
            current = nbformat.read(path, as_version=4) if path.is_file() else None
            if current is None or code_sources(current) != code_sources(nb) or \
                    [c.source for c in current.cells] != [c.source for c in nb.cells]:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        tmp.replace(path)
        print(f"wrote {path}")
    if stale:
        print("Out of date with scripts/build_notebooks.py: " + ", ".join(stale)
              + "\nRegenerate with: make notebooks", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
