"""Scores of generated images by the independent judge (sections "One GMM for all classes,
judged independently" and, in the AE-vs-VAE walkthrough, "Samples side by side").

For each sampler: the share of images the judge assigns to the class they were drawn from
(where the sampler has classes), its mean confidence, and the Fréchet distance between its
penultimate-layer features of the generated images and of real test images.
"""

from __future__ import annotations

from . import frechet, judge


def score_samplers(judge_model, generated: dict, reference_images, reference_labels=None,
                   per_class: bool = False, device="auto") -> dict:
    """``{sampler: {"judge_agreement", "judge_confidence", "frechet_distance"}}``.

    ``generated`` maps a sampler's name to a :class:`gae_helpers.sampling.Generated`;
    ``judge_agreement`` is None for samplers without classes. With ``per_class``, samplers with
    classes also get ``frechet_distance_per_class`` against the reference images of each class.
    """
    reference = judge.features(judge_model, reference_images, device=device)
    scores = {}
    for name, gen in generated.items():
        row = judge.judge_samples(judge_model, gen.images, gen.labels, device=device)
        row["frechet_distance"] = frechet.frechet_distance(
            judge.features(judge_model, gen.images, device=device), reference)
        if per_class and gen.labels is not None and reference_labels is not None:
            row["frechet_distance_per_class"] = {
                int(k): v for k, v in frechet.per_class_frechet(
                    judge_model, gen.images, gen.labels, reference_images,
                    reference_labels, device=device).items()}
        scores[name] = row
    return scores


def summary_rows(scores: dict) -> dict:
    """The three headline columns of each sampler, for printing."""
    keys = ("judge_agreement", "judge_confidence", "frechet_distance")
    return {name: {k: row.get(k) for k in keys} for name, row in scores.items()}
