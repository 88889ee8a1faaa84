# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gaussian Auto Embeddings
#
# This notebook retraces Vincent Warmerdam's post *Gaussian Auto Embeddings* (2018) on MNIST
# or Fashion-MNIST (the `dataset` parameter; the run shown says which below). The recipe: train a plain autoencoder **without labels**, then fit one Gaussian mixture model
# (GMM) per class to the latent codes of that class. Those GMMs let us
#
# * sample new images of a chosen class through the decoder,
# * classify by likelihood, and say "none of the classes" when nothing is likely,
# * morph one class into another, show each class's "styles", and compare classes.
#
# Every number in this notebook is printed by this run. The functions it calls live in the
# `gae_helpers` package; their docstrings name the section they serve. Each section ends with
# a **Try this** line: a parameter to change and what to look for.

# %% [markdown]
# ## 1. Setup and parameters
#
# Every knob lives in the next cell, which is tagged `parameters` for
# [papermill](https://papermill.readthedocs.io): `papermill --help-notebook NOTEBOOK` lists them
# and `-p name value` overrides one, e.g. `-p dataset digits -p epochs 5` for a quick run.
# Parameters left at `None` (or `"auto"`) take the dataset's defaults, and the cell after the
# parameters checks every value before anything is loaded or trained.
# `-p pretrained_dir shipped` skips all training: it loads the default autoencoder committed
# in `models/` (MNIST and Fashion-MNIST, default parameters only) and fits the GMMs on its
# codes, which takes seconds (the README's newcomer table gives the run's time on a 2-core
# CPU); leave it at `None` to train from scratch, as the post does.
# The defaults were chosen on a validation split of the training images (see the README);
# the test images are only ever reported. A tenth of the training images is held out from
# the autoencoder and the GMMs: the reject thresholds, the calibration temperature and the
# out-of-distribution scores are set on those unseen images.

# %% tags=["parameters"]
dataset: str = "mnist"  # "mnist", "fashion-mnist" or "digits" (8x8, built in)
data_dir: "Optional[str]" = None  # dataset folder; None: $GAE_DATA_DIR, else ./data
other_dataset: "Optional[str]" = "auto"  # images of no class, section 8: "auto" (the other dataset), "mnist", "fashion-mnist", None (skip)
n_train: "Optional[int]" = None  # training images, a stratified subset; None for all
n_test: "Optional[int]" = None  # test images, a stratified subset; None for all
validation_fraction: float = 0.1  # training images held out for thresholds and calibration
architecture: str = "conv"  # autoencoder: "conv" (convolutions, then dense) or "dense"
latent_dim: "Optional[int]" = None  # size of the latent code; None: the dataset's default
epochs: "Optional[int]" = None  # passes over the training images; None: the dataset's default
batch_size: int = 128  # images per Adam step
learning_rate: float = 3e-3  # Adam's step size; with the one-cycle schedule, its peak
lr_schedule: str = "onecycle"  # "onecycle" (warm up to learning_rate, then anneal) or "constant"
deform: "Optional[float]" = None  # random affine warps of the input, clean target (no labels); 0: off; None: the preset's, else 0
preset: "Optional[str]" = None  # "accurate": deformation-invariant training (higher MNIST accuracy, blurrier images); None: defaults
precision: str = "auto"  # training arithmetic: "auto" (bfloat16 where native), "float32"
inference_precision: str = "float32"  # encoding, decoding, judging: "float32", or "float64" (same digits on every CPU)
n_components: int = 12  # Gaussian components per class (chosen on a validation split)
post_n_components: int = 6  # the post's number of components, reported beside ours
code_scaling: str = "standard"  # codes the GMMs see: "standard" (each dimension to mean 0, variance 1) or "none"
covariance_type: str = "full"  # of each component: "full", "tied", "diag" or "spherical"
reg_covar: float = 0.03  # added to each covariance's diagonal (of standardised codes); regularises the GMMs
em_tol: float = 0.01  # EM stops when the mean log-likelihood gains less (scikit-learn's tol, default 1e-3: twice the iterations, same accuracy; docs/search.md)
reject_quantile: float = 0.01  # share of unseen in-class inputs each "none" rule refuses (codes: section 7; images: section 8)
reject_score: str = "combined"  # "none" judged by: "likelihood", "reconstruction", "combined"
samples_per_class: int = 10  # images per row in the sample, style and morph figures
n_generated: int = 2000  # images per set for the judge's scores (at most half the test images)
n_draws: int = 5  # rounds of fresh sets for each score's mean ± sd
interpolation_pairs: "Optional[list]" = None  # class index pairs to morph, e.g. [(1, 7), (4, 9)]; None: the dataset's
n_monte_carlo: int = 5000  # samples per class for the entropy and KL estimates
single_gmm_fit_size: "Optional[int]" = 5000  # codes the single GMM (and the class GMMs it is compared with) fit; None: all
seed: int = 0  # seeds training, subsets, mixtures and samples
device: str = "auto"  # "auto" (CUDA when present, else CPU), "cpu" or "cuda"
output_dir: "Optional[str]" = None  # figures and metrics.json; None: ../runs/DATASET (relative to notebooks/)
cache_dir: "Optional[str]" = None  # model cache; None: $GAE_CACHE_DIR, else ~/.cache/gae
pretrained_dir: "Optional[str]" = None  # None: train (cached); "shipped": the committed default autoencoder, no training; or a folder

# %%
from gae_helpers.run.parameters import check_parameters
from gae_helpers.run.report import collect_parameters

globals().update(check_parameters(collect_parameters(globals())))  # checked, defaults filled in

# %%
# %matplotlib inline
from IPython.display import display

from gae_helpers import explore
from gae_helpers.data.datasets import load_dataset, load_other_images, validation_split
from gae_helpers.measure import (diagnostics, geometry, rejection, sample_quality, sampling,
                                 similarity)
from gae_helpers.measure.diagnostics import subset_index
from gae_helpers.measure import calibration
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.threads import limited
from gae_helpers.mixtures.outliers import ClassOutlierDetector
from gae_helpers.models import judge, shipped
from gae_helpers.models.autoencoder import (AutoencoderConfig, decode, encode,
                                            standardise_codes, train_or_load_autoencoder)
from gae_helpers.models.device import set_inference_precision
from sklearn.frozen import FrozenEstimator
from sklearn.mixture import GaussianMixture
from gae_helpers.plots import figures, latent, measurements
from gae_helpers.run import stories
from gae_helpers.run.report import Run, pretrained_file, show_table

set_inference_precision(inference_precision)
story = stories.story(dataset)
run = Run(output_dir, collect_parameters(globals()))
data = load_dataset(dataset, data_dir, n_train=n_train, n_test=n_test, seed=seed)
fit, held_out = validation_split(data, validation_fraction, seed=seed)
names = data.class_names
print(data)
print(f"{len(fit.y_train)} images fit the models, {len(held_out.y_test)} are held out "
      f"for calibration, {len(data.y_test)} test images are only reported")
print(run.describe_stack(device, precision))
story.show("about")

# %% [markdown]
# ## 2. Autoencoder
#
# The autoencoder squeezes each image into `latent_dim` numbers and rebuilds it from them. It is
# trained on the images alone: labels appear only later, when we fit one GMM per class. With
# `deform`, the encoder reads each image slightly rotated, scaled, sheared and shifted, and the
# decoder must rebuild the original: codes then change little under small deformations, which
# is what tells classes apart, and still no label is used. A one-cycle learning rate reaches
# good codes in a few epochs. With `code_scaling="standard"` the codes are standardised per
# dimension (an affine map folded into the encoder, its inverse into the decoder), so that
# `reg_covar` means the same for every dimension. `-p preset accurate` turns the deformations
# on for MNIST: higher accuracy, but every image the decoder makes gets blurrier (the README and
# docs/search.md give both sides). A trained model is cached under its data,
# architecture, training settings and device, so a rerun loads it in a second.

# %%
config = AutoencoderConfig(architecture, data.image_shape, latent_dim)
trained = train_or_load_autoencoder(
    fit.x_train, config, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
    schedule=lr_schedule, deform=deform, seed=seed, device=device, precision=precision,
    cache_dir=cache_dir,
    pretrained=pretrained_file(pretrained_dir, "autoencoder"))
# the training images' codes come with the standardised model: they are encoded once
autoencoder, z_train = (
    standardise_codes(trained.model, fit.x_train, device=device, return_codes=True)
    if code_scaling == "standard"
    else (trained.model, encode(trained.model, fit.x_train, device=device)))
run.record_training("autoencoder", trained)
print(f"{config.architecture} autoencoder, latent_dim={config.latent_dim}, "
      f"{sum(p.numel() for p in autoencoder.parameters()):,} weights; "
      f"loss after epoch {len(trained.history)}: {trained.history[-1]:.4f}")
display(figures.plot_loss_curve(trained.history, path=run.figure_path("loss_curve")))

# %%
z_held_out = encode(autoencoder, held_out.x_test, device=device)
z_test = encode(autoencoder, data.x_test, device=device)
reconstructions = decode(autoencoder, z_test, device=device)
run.metrics["reconstruction_mse_test"] = diagnostics.reconstruction_error(data.x_test,
                                                                          reconstructions)
print(f"reconstruction error on the test images (mean squared error per pixel): "
      f"{run.metrics['reconstruction_mse_test']:.4f}")
display(figures.plot_image_rows([data.x_test[:12], reconstructions[:12]],
                                ["original", "rebuilt"],
                                title="Test images and their reconstructions",
                                path=run.figure_path("reconstructions")))

# %%
story.show("autoencoder")

# %% [markdown]
# ## 3. Sampling data
#
# Now the labels come in. For each class we fit a GMM with `n_components` components to the
# latent codes of that class's training images. Sampling a code from a class's GMM and decoding
# it gives a new image of that class. EM takes seconds, so the GMMs are fitted afresh in every
# run.

# %%
with run.fitting("class_gmms"):
    gmm = GMMClassifier(n_components=n_components, covariance_type=covariance_type,
                        reg_covar=reg_covar, tol=em_tol, random_state=seed,
                        n_jobs=-1).fit(z_train, fit.y_train)
print(f"{len(gmm.classes_)} class GMMs with {n_components} {covariance_type}-covariance "
      f"components each on {z_train.shape[1]}-d codes; all converged: {gmm.converged_}")
class_samples = sampling.decoded_class_samples(autoencoder, gmm, samples_per_class, seed=seed,
                                               device=device)
display(figures.plot_image_rows(class_samples, names,
                                title="Decoded samples, one row per class GMM",
                                path=run.figure_path("samples_per_class")))

# %%
story.show("sampling")

# %% [markdown]
# ## 4. One GMM for all classes, judged independently
#
# The post also fits a single GMM to all codes, labels unused, and finds its samples "sensible,
# but worse". To measure "worse" without letting the model grade itself, an **independent
# judge** scores the decoded images: a small CNN classifier trained once on the labelled
# training images and shipped in `models/` (`make models` remakes it), which never sees the
# autoencoder or the GMMs. Like the Inception network of FID it is an instrument: every run,
# seed and notebook is scored by the same one. For each sampler it reports the share
# of images it assigns to the class they were drawn from, its mean confidence, and the Fréchet
# distance between its penultimate-layer features of the generated images and of real test
# images (lower is closer; the FID formula with the judge as feature network).
#
# A Fréchet distance shrinks as the sets grow, so every row compares `n_generated` images with
# `n_generated` real test images from a reference half of the test set, over `n_draws` fresh
# draws (mean ± sd). Two rows are the yardsticks at the same size: **real images** (images of
# the other half against the reference: what a perfect sampler would score) and
# **reconstructions** (the decoder's rebuilds of those held images: the best any sampler that
# decodes through it can do). Every row of one draw is measured against the same reference
# half, so two rows are compared on their paired per-draw differences: a difference means
# something only beyond twice its standard error, and the lines under the table say which do. The single GMM has as many components as the class GMMs
# together; EM for it on every code would take minutes, so it fits a random `single_gmm_fit_size`
# of them, and to compare at equal data the class GMMs are fitted again on exactly those codes
# (`class_gmms_same_codes`): "worse" is judged between those two rows.

# %%
judged = shipped.load_judge(dataset, judge.JudgeConfig(data.image_shape, len(names)),
                            pretrained_dir)
judge_model = judged.model
run.record_training("judge", judged)
# the test images judged once: their features (the real rows below) and the judge's accuracy
real_features, real_verdict = judge.features_and_verdict(judge_model, data.x_test,
                                                          data.y_test, device=device)
run.metrics["judge_accuracy_test"] = real_verdict["judge_agreement"]
print(f"judge test accuracy: {run.metrics['judge_accuracy_test']:.4f}")

# %%
same_codes = subset_index(len(z_train), single_gmm_fit_size, random_state=seed)
with run.fitting("single_gmm"), limited():  # limited(): one BLAS thread, fastest for EM
    single_gmm = GaussianMixture(n_components * len(names), covariance_type=covariance_type,
                                 reg_covar=reg_covar, tol=em_tol,
                                 random_state=seed).fit(z_train[same_codes])
with run.fitting("class_gmms_same_codes"):
    gmm_same_codes = gmm if len(same_codes) == len(z_train) else GMMClassifier(
        n_components=n_components, covariance_type=covariance_type, reg_covar=reg_covar,
        tol=em_tol, random_state=seed, n_jobs=-1).fit(z_train[same_codes],
                                                      fit.y_train[same_codes])
samplers = sampling.decoding(autoencoder, {
    "class_gmms": lambda n, s: sampling.from_class_gmms(gmm, n, s),
    "class_gmms_same_codes": lambda n, s: sampling.from_class_gmms(gmm_same_codes, n, s),
    "single_gmm": lambda n, s: sampling.from_gmm(single_gmm, n, s),
    "uniform_box": lambda n, s: sampling.from_uniform_box(z_train, n, s),
}, device=device)
run.metrics["samples"] = sample_quality.score_samplers(
    judge_model, samplers, data.x_test, n=n_generated, draws=n_draws, seed=seed,
    reconstructions={"reconstructions": reconstructions}, real_features=real_features,
    device=device)
run.metrics["test_loglik_class_gmms_same_codes"] = float(
    gmm_same_codes.score_samples(z_test).mean())
with limited():
    run.metrics["test_loglik_single_gmm"] = float(single_gmm.score_samples(z_test).mean())
print(f"{run.metrics['samples']['real images']['n']} images per set, {n_draws} draws; the "
      f"single GMM and class_gmms_same_codes fit the same {len(same_codes)} of the "
      f"{len(z_train)} codes class_gmms fits")
show_table(sample_quality.summary_rows(run.metrics["samples"]), index_name="sampler", digits=3)
print(sample_quality.compare(run.metrics["samples"], "class_gmms_same_codes", "single_gmm"))
print(sample_quality.compare(run.metrics["samples"], "class_gmms", "real images"))
print(f"mean test log-likelihood, both fitted on the same {len(same_codes)} codes: class GMMs "
      f"{run.metrics['test_loglik_class_gmms_same_codes']:.1f}, one GMM "
      f"{run.metrics['test_loglik_single_gmm']:.1f}")
display(figures.plot_image_rows(
    [draw(samples_per_class, seed).images for draw in samplers.values()], list(samplers),
    title="A random draw from each sampler (one row each)",
    path=run.figure_path("samples_by_sampler")))

# %% [markdown]
# **Try this:** `-p single_gmm_fit_size 2000`: both same-codes models see fewer codes; does the
# gap between them grow beyond their standard deviations? (`-p single_gmm_fit_size None` fits
# every code, slowly.)
#
# ## 5. Manifold evidence
#
# The codes of real images fill only a thin part of the latent space. Points drawn uniformly from
# the box around all codes decode to smudges (the judge's confidence above says so too), and
# the class GMMs give them far lower log-likelihood than real test codes: the mixtures have
# learned where the images live.

# %%
manifold = geometry.uniform_box_evidence(gmm, z_train, z_test, n_samples=1000, seed=seed)
run.metrics.update(manifold)
print(f"median log-likelihood: test codes {manifold['loglik_median_test']:.1f}, "
      f"uniform box samples {manifold['loglik_median_uniform_box']:.1f}")
print(f"uniform samples more likely than the least likely 1% of test codes: "
      f"{manifold['uniform_box_above_test_1pct']:.4f}")
display(figures.plot_histograms(
    {"test codes": gmm.score_samples(z_test),
     "uniform box samples": gmm.score_samples(geometry.uniform_box_samples(z_train, 1000, seed))},
    "log-likelihood under the class GMMs", "Where the images live",
    path=run.figure_path("loglik_uniform_vs_test")))

# %%
story.show("manifold")

# %% [markdown]
# ## 6. Predicting data
#
# Bayes' rule turns the class likelihoods into class probabilities: p(class | code) is
# proportional to p(code | class) p(class), normalised in log space. The table puts this run
# beside the post's numbers, with the post's 6 components per class and with ours.

# %%
with run.fitting("post_gmms"):
    post_gmm = gmm if post_n_components == n_components else GMMClassifier(
        n_components=post_n_components, covariance_type=covariance_type, reg_covar=reg_covar,
        tol=em_tol, random_state=seed, n_jobs=-1).fit(z_train, fit.y_train)
accuracy = diagnostics.accuracy_summary(story.post_accuracy, gmm, post_gmm, z_train,
                                        fit.y_train, z_test, data.y_test)
run.metrics.update(accuracy.metrics)
show_table(accuracy.table, digits=4)

# %% [markdown]
# Is the accuracy lost in the codes or in the classifier? A discriminative classifier fitted to
# the very same codes answers: an RBF support vector classifier (scikit-learn's `SVC`, its
# settings chosen on the validation split, see docs/search.md). It is a **baseline the method
# does not use**: it cannot sample, morph or say "none", but the gap between its accuracy and
# the class GMMs' is the price of classifying with a generative model.

# %%
baseline = diagnostics.discriminative_baseline(z_train, fit.y_train, z_held_out,
                                               held_out.y_test, z_test, data.y_test, seed=seed)
run.metrics["baseline"] = baseline
run.metrics["accuracy_validation"] = gmm.score(z_held_out, held_out.y_test)
show_table(diagnostics.head_table(run.metrics, baseline), digits=4)
print(f"the baseline was fitted and scored in {baseline['seconds']:.1f} s")

# %%
proba_test = gmm.predict_proba(z_test)
predicted_test = gmm.classes_[proba_test.argmax(axis=1)]
display(figures.plot_confusion_matrix(data.y_test, predicted_test, names,
                                      path=run.figure_path("confusion_matrix")))
print("Class probabilities of the first five test images:")
show_table(diagnostics.probability_table(proba_test, data.y_test, names, range(5)), digits=2)

# %%
wrong = diagnostics.most_confident_errors(proba_test, data.y_test, gmm.classes_, n=10)
print(f"{(predicted_test != data.y_test).sum()} of {len(data.y_test)} test images are "
      f"misclassified; the most confident mistakes (true -> predicted, probability):")
display(figures.plot_image_grid(
    data.x_test[wrong], diagnostics.mistake_captions(wrong, proba_test, data.y_test, names),
    title="Most confidently wrong test images", path=run.figure_path("confident_mistakes")))

# %% [markdown]
# **Try this:** `-p covariance_type diag`: cheaper GMMs; how much accuracy do the correlations
# between code dimensions carry?
#
# ## 7. Calibration
#
# Is a probability of 0.9 right 90% of the time? The expected calibration error (ECE) averages
# the gap between confidence and accuracy over confidence bins. Likelihood ratios of
# high-dimensional densities tend to be overconfident; one temperature, fitted on the held-out
# codes by scikit-learn's temperature scaling (`CalibratedClassifierCV` over the class GMMs,
# frozen), softens (or sharpens) every posterior at once without changing any decision. The
# same held-out codes set the rule for "none" on codes (`ClassOutlierDetector`): each class's
# threshold is the `reject_quantile` of its held-out log-likelihoods. The morph strips use the
# rule, the explorers both; neither changes the class GMMs.

# %%
calibrated = calibration.temperature_scaled(gmm, z_held_out, held_out.y_test)  # gmm unchanged
none = ClassOutlierDetector(FrozenEstimator(gmm), quantile=reject_quantile).fit(
    z_held_out, held_out.y_test)
proba_test_calibrated = calibrated.predict_proba(z_test)
run.metrics["temperature"] = calibration.temperature(calibrated, z_held_out)
run.metrics["ece_test"] = calibration.expected_calibration_error(proba_test, data.y_test)
run.metrics["ece_test_calibrated"] = calibration.expected_calibration_error(
    proba_test_calibrated, data.y_test)
print(f"temperature fitted on the held-out codes: {run.metrics['temperature']:.2f}")
print(f"expected calibration error on test: {run.metrics['ece_test']:.4f} before, "
      f"{run.metrics['ece_test_calibrated']:.4f} after")
display(measurements.plot_reliability_diagram(
    {"as fitted": calibration.reliability_curve(proba_test, data.y_test),
     "with temperature": calibration.reliability_curve(proba_test_calibrated, data.y_test)},
    path=run.figure_path("reliability")))

# %% [markdown]
# **Try this:** `-p reg_covar 0.001`: sharper GMMs; does the fitted temperature grow?
#
# ## 8. The 'none' option
#
# A classifier that must always pick a class is confidently wrong on images of no class. With
# the GMMs we can say "none". Three scores say how much an image looks like the training data:
# the likelihood of its code under the class it would be given, its reconstruction error, and
# both combined (each standardised on the held-out images). The reject threshold is the
# `reject_quantile` of the held-out images' scores, so it refuses about that share of unseen
# in-class images. The AUROC table says how well each score separates test images from other
# kinds of input (1 is perfect, 0.5 is chance); the reject option uses `reject_score`.

# %%
scorer = rejection.ImageScorer.from_models(autoencoder, gmm, held_out.x_test, z_held_out,
                                           device=device)
other_images = load_other_images(other_dataset, data.image_shape, n=2000, data_dir=data_dir,
                                 seed=seed)
outsiders = rejection.outsider_images(data.x_test, other_images, other_dataset, seed=seed)
rejected = rejection.evaluate_rejection(scorer, data.x_test, outsiders, reject_score,
                                        reject_quantile, z_test, reconstructions)
run.metrics.update(rejected.metrics)
show_table(rejected.auroc_table, index_name="score", digits=4)
print(rejected.best_scores())
print(f"reject option by the {reject_score} score: target rate {reject_quantile:.3f}, "
      f"test images rejected {rejected.metrics['reject_rate_test']:.4f}")
show_table(rejected.rate_table, index_name="input", digits=4)

# %%
rejected_test = rejected.rejected_test
kept = ~rejected_test
run.metrics["accuracy_test_kept"] = float((predicted_test == data.y_test)[kept].mean())
print(f"accuracy on the test images kept: {run.metrics['accuracy_test_kept']:.4f} "
      f"(all: {run.metrics['accuracy_test']:.4f})")
display(figures.plot_image_grid(data.x_test[rejected_test][:20],
                                [names[k] for k in data.y_test[rejected_test][:20]],
                                title="Rejected test images (true class above)",
                                path=run.figure_path("rejected_test_images")))

# %% [markdown]
# **Try this:** `-p reject_score likelihood`: the post's criterion; compare the noise row.
#
# ## 9. Transitioning classes
#
# Draw a code from one class's GMM and one from another's, walk the straight line between them
# and decode each step. Under each strip we print the class the model assigns along the way,
# or "none" where the code's likelihood under that class falls below the class's threshold:
# section 7's rule on codes (`ClassOutlierDetector`). Section 8's rule judges whole images by
# `reject_score` instead. Both refuse about `reject_quantile` of unseen in-class inputs, each on
# its own evidence.

# %%
story.show("transitions")

# %%
morphs = geometry.morph_strips(autoencoder, gmm, interpolation_pairs, samples_per_class, names,
                               none=none, seed=seed, device=device)
for label, path_classes in zip(morphs.labels, morphs.predicted):
    print(f"{label}: {path_classes}")
print(morphs.where_none())
display(figures.plot_image_rows(morphs.images, morphs.labels,
                                title="Interpolating between two classes",
                                path=run.figure_path("interpolations")))

# %%
story.show("morph")

# %% [markdown]
# ## 10. Articulating styles
#
# Each component of a class's GMM is a "style" of that class: decoding the component means shows
# them side by side, ordered by their weight in the mixture.

# %%
styles = sampling.decoded_styles(autoencoder, gmm, device=device)
print("largest component weight per class: " + ", ".join(
    f"{name} {g.weights_.max():.2f}" for name, g in zip(names, gmm.gmms_)))
display(figures.plot_image_rows(styles, names,
                                title="Decoded component means, heaviest first",
                                path=run.figure_path("styles")))

# %% [markdown]
# **Try this:** `-p n_components 3`: fewer, broader styles per class.
#
# ## 11. Class similarity
#
# How widely does each class scatter, and how alike are two classes? The entropy of a class's
# GMM measures the first; the KL divergence KL(p || q) says how surprised q is by codes drawn
# from p. Neither has a closed form for mixtures, so both are Monte Carlo estimates from
# `n_monte_carlo` samples, printed with their standard errors. Two pairs whose symmetric KL
# lie within two standard errors of each other cannot be ranked by this run.

# %%
similar = similarity.class_similarity(gmm, names, n_monte_carlo, seed=seed)
run.metrics.update(similar.metrics)
show_table(similar.entropy_table, index_name="class", digits=3)
display(figures.plot_kl_heatmap(similar.kl, names, path=run.figure_path("kl_divergence")))
print(similar.summary)

# %% [markdown]
# **Try this:** `-p n_monte_carlo 500`: the standard errors grow about three-fold, and more
# pairs become indistinguishable.
#
# ## 12. What doesn't work well
#
# The method has honest limits, and this run measures them: the class it gets wrong most, the
# pair it confuses most, how much of the outsiders it still accepts, and how blurry the
# decoder's images are. Read the numbers below against the figures above.

# %%
limits = diagnostics.limitations(data.y_test, predicted_test, rejected_test, names)
run.metrics["worst_class"] = limits.worst_class
print(limits.summary)
print(f"reconstruction error per pixel: {run.metrics['reconstruction_mse_test']:.4f}; "
      f"Fréchet distance of the reconstructions "
      f"{run.metrics['samples']['reconstructions']['frechet_distance']:.2f} against "
      f"{run.metrics['samples']['real images']['frechet_distance']:.2f} for real images at the "
      f"same n (the decoder averages away detail)")

# %%
story.show("limits")

# %% [markdown]
# ## 13. Explore
#
# The post ends "Feel free to play with them". In JupyterLab the widgets below answer at once:
# sample a class at a chosen spread (a scale on its covariances), morph between two classes,
# walk along a style's main axis, or sketch one yourself. Headless (papermill, GitHub) each shows a still image of its first
# state. With `latent_dim=2` a map of the whole latent plane follows.

# %%
decode_codes = lambda codes: decode(autoencoder, codes, device=device)  # noqa: E731
judge_verdict = lambda images: judge.predict_proba(judge_model, images, device=device)  # noqa: E731
start_class, end_class = interpolation_pairs[0]
shown = {"calibrated": calibrated, "none": none}  # the probabilities shown, the rule of "none"
display(explore.SamplerExplorer(decode_codes, gmm, names, **shown, judge_proba=judge_verdict,
                                seed=seed))
display(explore.MorphExplorer(decode_codes, gmm, names, **shown, start=start_class,
                              end=end_class, seed=seed))
display(explore.StylesExplorer(decode_codes, gmm, names, **shown, seed=seed))
display(explore.SketchExplorer(decode_codes, gmm, names,
                               lambda images: encode(autoencoder, images, device=device),
                               **shown, seed=seed))

# %%
if latent_dim == 2:
    display(latent.plot_latent_plane(z_train, fit.y_train, gmm, decode_codes, names,
                                     path=run.figure_path("latent_plane")))
else:
    print(f"latent_dim is {latent_dim}: rerun with -p latent_dim 2 to map the latent plane")

# %% [markdown]
# **Try this:** in the sampler, raise the spread to 2 and watch the judge's verdicts
# fall apart; in the morph, find where "none" appears between two classes.
#
# ## Where the results are
#
# The run's figures and `metrics.json` (every number above, the parameters, the software
# stack and the run time) are in `output_dir`.

# %%
metrics_path = run.save()
print(f"wrote {metrics_path} and {len(list(run.dir.glob('*.png')))} figures into {run.dir}")
print(f"test accuracy {run.metrics['accuracy_test']:.4f}, {run.metrics['seconds_total']:.0f} s "
      f"in all")
