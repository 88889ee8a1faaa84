"""The bottom layer: ``datasets`` (digits, MNIST, Fashion-MNIST as float images in [0, 1],
validation splits, outsider images) and ``storage`` (atomic writes, the cache and models
folders, environment variable names)."""
