"""The Gaussian mixtures on latent codes, with scikit-learn and without torch:
``classifier`` (one GMM per class as a classifier; the single all-class GMM; component
geometry), ``cache`` (the cache of fitted mixtures and the shipped compact files),
``calibration`` (ECE, reliability, temperature scaling), ``threads`` (one BLAS thread for
small work)."""
