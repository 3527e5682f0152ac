"""One screening model folder from a category classifier and a bi-encoder on the same frozen encoder.

    python -m recruit_core.train.combine <classifier folder> <bi-encoder folder> <output folder>

The score job reads categories and fit from one model folder, the match job fit from another; when
both stages were trained on the same frozen encoder (a probe's category head, a bi-encoder's
embedding head or fit towers), one folder holding all the heads and the bi-encoder's calibration
lets both jobs compute a pair's fit with the same weights, so `best_fit_probability` in the scores
and `fit_probability` in the matches are the same number. Encoders that differ (a fine-tuned stage)
cannot share a folder: `combine` says so and returns None.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from recruit_core.eval.calibration import CALIBRATION_FILE
from recruit_core.model.recruit import RecruitModel


def same_encoder(one: RecruitModel, other: RecruitModel) -> bool:
    """Equal encoder weights, compared as tensors (folders lay the same weights out differently);
    the pooler is left out: BERT's next-sentence leftover, unused by mean pooling and not kept by
    every folder layout."""
    mine, theirs = ({k: v for k, v in model.encoder.state_dict().items() if not k.startswith("pooler.")}
                    for model in (one, other))
    return mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)


def combine(classifier: str | Path, biencoder: str | Path, output: str | Path) -> Path | None:
    """The classifier's folder with the bi-encoder's fit heads and calibration, or None when their
    encoder weights differ."""
    classifier, biencoder, output = Path(classifier), Path(biencoder), Path(output)
    model, tokenizer, meta = RecruitModel.load(classifier)
    fit, _, fit_meta = RecruitModel.load(biencoder)
    if not same_encoder(model, fit):
        return None
    model.embed_head, model.resume_tower, model.job_tower = fit.embed_head, fit.resume_tower, fit.job_tower
    model.fit_categories = fit.fit_categories
    folder = model.save(output, tokenizer, {**meta, "fit": fit_meta.get("fit"),
                                            "combined_from": {"categories": str(classifier),
                                                              "fit": str(biencoder)}})
    if (biencoder / CALIBRATION_FILE).is_file():
        shutil.copyfile(biencoder / CALIBRATION_FILE, folder / CALIBRATION_FILE)
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("classifier")
    parser.add_argument("biencoder")
    parser.add_argument("output")
    args = parser.parse_args()
    made = combine(args.classifier, args.biencoder, args.output)
    print(made or "the two folders hold different encoder weights: they cannot share one folder")
