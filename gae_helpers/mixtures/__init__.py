"""The Gaussian mixtures on latent codes, with scikit-learn and without torch:
``classifier`` (one GMM per class as a classifier; the single all-class GMM; component
geometry), ``outliers`` (the "none" rule on codes, and the one constraint on reject
quantiles), ``cache`` (the cache of fitted mixtures and the shipped compact files),
``calibration`` (ECE, reliability, temperature scaling), ``threads`` (one BLAS thread for
small work)."""
