"""What differs between the walkthrough's datasets (section "Setup and parameters").

One notebook source (``notebooks/walkthrough.ipynb``) tells the story for every dataset; the
committed ``01_mnist.ipynb`` and ``02_fashion_mnist.ipynb`` are its runs with ``-p dataset
mnist`` and ``-p dataset fashion-mnist``. The prose and defaults that differ between datasets
live in :data:`STORIES`, here, and nowhere else (defaults, presets, the post's accuracy, prose);
:func:`gae_helpers.run.parameters.check_parameters` fills the parameters left at ``None`` from
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gae_helpers.data.datasets import DATASETS


@dataclass(frozen=True)
class Story:
    """The dataset-specific part of the walkthrough: defaults and the prose that differs."""

    title: str
    about: str
    other_dataset: str | None
    interpolation_pairs: tuple
    transitions: str
    # the parameters left at None take these (chosen on a validation split, docs/search.md)
    defaults: dict
    tries: dict = field(default_factory=dict)
    # named settings beyond the defaults (`-p preset NAME`), each filling only what is None
    presets: dict = field(default_factory=dict)
    # the post's train and test accuracy, where it reports them
    post_accuracy: dict | None = None

    def show(self, key: str):
        """The prose ``key`` (``"about"``, ``"transitions"`` or a section's "Try this") as Markdown."""
        from IPython.display import Markdown

        if key in ("about", "transitions"):
            return Markdown(getattr(self, key))
        if key not in self.tries:
            raise KeyError(f"No 'Try this' for section {key!r}: choose from {sorted(self.tries)}.")
        return Markdown(f"**Try this:** {self.tries[key]}")


_MNIST_TRIES = {
    "autoencoder": "`-p latent_dim 2`: the codes then live in a plane, and section 13 draws the "
                   "whole latent space; watch the reconstructions blur.",
    "sampling": "`-p n_components 1`: one Gaussian per class; the samples get blurrier and the "
                "accuracy in section 6 drops.",
    "manifold": "`-p latent_dim 8`: a smaller box; do uniform samples start to look like digits?",
    "morph": "`-p interpolation_pairs \"[[0, 6], [5, 3]]\"` and look for the step where the "
             "predicted class flips: does \"none\" appear between them?",
    "limits": "`-p dataset fashion-mnist`, or open the Fashion-MNIST walkthrough: the limits "
              "there are much larger.",
}

_MNIST_MORPH = ("Do digits that share strokes (4 and 9, 3 and 8) morph more smoothly than 1 and "
                "7, with fewer \"none\" steps on the way? The line after the strips counts them; "
                "the KL divergences of section 11 say which classes the mixtures find closest.")

STORIES = {
    "mnist": Story(
        title="Gaussian Auto Embeddings on MNIST",
        about="This run: **MNIST**, 70,000 handwritten digits, 28x28 pixels, 60,000 for "
              "training and 10,000 for testing.",
        other_dataset="fashion-mnist",
        interpolation_pairs=((1, 7), (3, 8), (4, 9)),
        transitions=_MNIST_MORPH,
        # a one-cycle learning rate reaches in 5-6 epochs the codes 15-25 constant-rate epochs
        # gave; deformation-invariant training lifts accuracy but blurs every decoded image,
        # so it is the preset "accurate", not a default
        defaults={"latent_dim": 32, "epochs": 5, "deform": 0.0},
        presets={"accurate": {"deform": 1.0, "epochs": 8}},
        post_accuracy={"train": 0.9816, "test": 0.9766},
        tries=_MNIST_TRIES),
    "fashion-mnist": Story(
        title="Gaussian Auto Embeddings on Fashion-MNIST",
        about="This run: **Fashion-MNIST**, 70,000 greyscale photos of clothes in 10 classes, "
              "28x28 pixels, split 60,000 / 10,000 like MNIST but much harder to tell apart. "
              "The MNIST run tells the same story on digits; here we dwell on what gets harder.",
        other_dataset="mnist",
        interpolation_pairs=((7, 6), (5, 9), (0, 3)),
        transitions="The post found a shoe turning into a shirt hard to morph. Does the path run "
                    "through codes that belong to neither class, where \"none\" would appear? "
                    "The line after the strips says where it appears on this run, if anywhere.",
        defaults={"latent_dim": 48, "epochs": 6, "deform": 0.0},
        presets={"accurate": {}},  # no setting tried beat the defaults here
        post_accuracy={"train": 0.8776, "test": 0.8538},
        tries={
            "autoencoder": "`-p latent_dim 8`: a smaller code loses the texture of knitwear "
                           "first; watch the reconstruction error and the Shirt class in "
                           "section 12.",
            "sampling": "`-p n_components 1`: one Gaussian per class; bags and sandals, the "
                        "classes with the most varied shapes, suffer first.",
            "manifold": "`-p latent_dim 8`: a smaller box; do uniform samples start to look "
                        "like clothes?",
            "morph": "`-p interpolation_pairs \"[[0, 6], [2, 4]]\"` (T-shirt into Shirt, "
                     "Pullover into Coat): do neighbours morph with fewer \"none\" steps than a shoe "
                     "and a shirt?",
            "limits": "`-p reg_covar 0.5`: broader class GMMs; does the Shirt class gain "
                      "accuracy, or just blur into its neighbours?",
        }),
    "digits": Story(
        title="Gaussian Auto Embeddings on scikit-learn's digits",
        about="This run: scikit-learn's built-in **digits**, 1,797 handwritten digits of 8x8 "
              "pixels, here for a quick run that needs no download; the MNIST run is the real "
              "thing.",
        other_dataset=None,
        interpolation_pairs=((1, 7), (3, 8), (4, 9)),
        transitions=_MNIST_MORPH,
        defaults={"latent_dim": 8, "epochs": 30, "deform": 0.0},  # a quick setting of its own
        presets={"accurate": {}},
        tries={**_MNIST_TRIES,
               "limits": "`-p dataset mnist`: the same walkthrough on 28x28 digits."}),
}


def story(dataset: str) -> Story:
    """The :class:`Story` of ``dataset``.

    Examples
    --------
    >>> story("fashion-mnist").other_dataset
    'mnist'
    """
    key = str(dataset).lower().replace("_", "-")
    if key not in STORIES:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}.")
    return STORIES[key]


PRESET_NAMES = tuple(sorted({name for tale in STORIES.values() for name in tale.presets}))
