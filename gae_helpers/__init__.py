"""Gaussian Auto Embeddings: an autoencoder trained without labels, one Gaussian mixture per
class on its latent codes, and the analyses of the post built on them.

Modules, one concern each (import them directly; importing the package runs nothing):

``data``        datasets as float images in [0, 1]: digits, MNIST, Fashion-MNIST
``autoencoder`` architectures, training, encode/decode
``checkpoint``  save/load and the trained-model cache
``mixture``     :class:`~gae_helpers.mixture.ClassGaussianMixture`, a scikit-learn classifier
``analysis``    entropy, KL divergence, interpolation, uniform latent samples
``plots``       figures, each saved as PNG on request
``report``      a run's output folder, metrics.json and printed summaries
"""

__version__ = "0.1.0"
