"""Figures, returned as matplotlib figures and saved as PNG on request: ``figures`` (image
grids, training curves, accuracy bars), ``latent`` (the latent plane and projections),
``measurements`` (reliability diagrams)."""
