"""Gaussian Auto Embeddings: an autoencoder trained without labels, one Gaussian mixture per
class on its latent codes, and the analyses of the post built on them.

Modules, one concern each (import them directly; importing the package runs nothing), in
layers: a module imports only from the layers below its own (pyproject.toml's import-linter
contracts, which ``make test`` checks; ``tests/test_layers.py``):

run             ``parameters`` (the check of every notebook parameter), ``walkthrough`` (what
                differs between datasets: prose, defaults), ``report`` (a run's folder,
                metrics.json, the software stack, printed tables)
plots           ``plots``, ``plots_measurements``, ``plots_latent`` (figures, saved as PNG on
                request); ``explore`` (the ipywidgets explorers, a subpackage)
measurements    ``sampling`` (shuffled draws, decoded), ``sample_quality`` (the judge's scores
                of each sampler), ``frechet``, ``ood`` (scores, AUROC), ``rejection`` (the
                reject option on images), ``geometry`` (paths, the uniform box),
                ``similarity`` (entropy, KL), ``diagnostics`` (accuracy tables, the
                baseline, mistakes), ``comparison`` (the autoencoder against the VAE)
models          ``autoencoder``, ``augment`` (label-free input warps), ``vae``, ``judge``,
                ``checkpoint`` (save/load, the trained-model cache), ``shipped`` (the
                committed models, hash-checked), ``device`` (device, arithmetic, batches),
                ``progress``, ``config`` (plain-value configs and the registry of model kinds)
mixtures        ``mixture`` (:class:`~gae_helpers.mixture.ClassGaussianMixture`),
                ``mixture_cache`` (the cache of fitted mixtures, shipped compact files),
                ``calibration`` (ECE, reliability, temperature), ``threads`` (one BLAS thread
                for small work); no torch
data            ``data`` (datasets as float images in [0, 1]: digits, MNIST, Fashion-MNIST)
storage         ``storage`` (atomic writes, the cache and models folders)
"""

__version__ = "0.2.0"
