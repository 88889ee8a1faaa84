"""What the notebooks measure, on the fitted models: ``sampling`` (shuffled draws, decoded),
``sample_quality`` (the judge's scores of each sampler), ``frechet``, ``ood`` (outlier scores,
AUROC), ``rejection`` (the reject option on images), ``geometry`` (paths, morphs, the uniform
box), ``similarity`` (entropy, KL), ``diagnostics`` (accuracy tables, the baseline, mistakes),
``comparison`` (the autoencoder against the VAE), ``calibration`` (ECE, reliability,
temperature scaling)."""
