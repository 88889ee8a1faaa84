"""The torch models: ``autoencoder`` (and ``augment``, its label-free input warps), ``vae``,
``judge`` (the independent classifier that scores samples; it never touches the autoencoder),
``checkpoint`` (save/load, the trained-model cache), ``shipped`` (the committed models,
hash-checked), ``device`` (device, arithmetic, batches), ``progress``, ``config`` (plain-value
configs and the registry of model kinds)."""
