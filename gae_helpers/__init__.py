"""Gaussian Auto Embeddings: an autoencoder trained without labels, one Gaussian mixture per
class on its latent codes, and the analyses of the post built on them.

Subpackages by concern, each importing only those below it (pyproject.toml's import-linter
contracts, which ``make test`` checks: ``tests/test_layers.py``); importing the package runs
nothing::

    run        the notebooks' parameters and their check, per-dataset defaults and stories,
               the run's folder and report
    plots      figures                      explore   the ipywidgets explorers
    measure    what the notebooks measure: draws, sample quality, Fréchet distances, the
               reject option on images, calibration, paths, entropy and KL, accuracy tables
    models     torch: the autoencoder, the VAE, the judge, their one training loop,
               checkpoints, the shipped files
    mixtures   scikit-learn, no torch: the per-class GMM classifier, its reject rule, BLAS
               thread limits (fitted in every run, never cached)
    data       the datasets as float images in [0, 1]; atomic files, the cache and models
               folders
"""

__version__ = "0.3.0"
