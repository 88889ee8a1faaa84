"""The Gaussian mixtures on latent codes, with scikit-learn and without torch, fitted afresh
in every run (seconds): ``classifier`` (one GMM per class as a classifier), ``outliers`` (the
"none" rule on codes as an outlier detector, and the one constraint on reject quantiles),
``threads`` (one BLAS thread for small work). Temperature scaling and calibration error are
measurements: :mod:`gae_helpers.measure.calibration`."""
