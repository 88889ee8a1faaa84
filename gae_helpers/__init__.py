"""Gaussian Auto Embeddings: an autoencoder trained without labels, one Gaussian mixture per
class on its latent codes, and the analyses of the post built on them.

Modules, one concern each (import them directly; importing the package runs nothing):

``parameters``         the check of every notebook parameter, run before anything else
``walkthrough``        what differs between the walkthrough's datasets (prose, defaults)
``data``               datasets as float images in [0, 1]: digits, MNIST, Fashion-MNIST
``device``             device, training arithmetic (``GAE_PRECISION``), inference dtype
``progress``           training progress bars (a widget in JupyterLab)
``autoencoder``        architectures, training, encode/decode, standardised codes
``augment``            label-free augmentations: shifts, affine deformations
``vae``                the same layers as a variational autoencoder
``judge``              the independent CNN judge of generated images
``checkpoint``         save/load and the trained-model cache
``shipped``            the committed models in models/ (the judges, the defaults), hash-checked
``mixture``            :class:`~gae_helpers.mixture.ClassGaussianMixture`, a scikit-learn classifier
``sampling``           shuffled draws from the fitted models, decoded
``sample_quality``     the judge's scores of each sampler
``frechet``            Fréchet distance between feature sets
``calibration``        expected calibration error, reliability, temperature
``ood``                out-of-distribution scores and AUROC
``rejection``          the reject option on images, thresholds on held-out data
``geometry``           interpolation paths and the uniform latent box
``similarity``         entropy and KL divergence of the class GMMs, with standard errors
``diagnostics``        accuracy tables, mistakes, per-class limits
``comparison``         the autoencoder against the VAE, and the verdict
``explore``            the ipywidgets explorers, a subpackage (one module per explorer)
``plots``, ``plots_measurements``, ``plots_latent``   figures, each saved as PNG on request
``report``             a run's output folder, metrics.json, software stack, printed tables
``storage``            atomic file writes
"""

__version__ = "0.2.0"
