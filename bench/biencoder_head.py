"""What helps the bi-encoder learn from real labelled pairs: one row per training variant.

    .venv/bin/python bench/biencoder_head.py                  # MiniLM, ../shared/data
    .venv/bin/python bench/biencoder_head.py --extra-pool outputs/demo/pool   # + the synthetic pool row

Each variant trains an embedding head on the training half of the real postings against the
livecareer train resumes (`python ray_jobs/train.py data=postings train=biencoder` with the
variant's overrides: recruit_core/train/embed_head_job.py), chooses its step on the training side's
own dev split, and is then evaluated once on the evaluation half against the dev resumes (never
seen in training or selection). Rows: dev P@10 (selection), held-out P@10 and nDCG@10. With
`--extra-pool`, one more row: the in-batch head with a synthetic pool's pairs added to its fit side
(`train.extra_pool`), its dev P@10 on the same real dev pairs as every other row.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.eval.postings import held_out_pooled  # noqa: E402
from recruit_core.model.encoder import load_encoder  # noqa: E402
from recruit_core.model.forward import TextEncoder  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402
from recruit_core.train.embed_head_job import train_head  # noqa: E402

HEAD_ONLY = "train.fit_towers=false"
VARIANTS = {
    "embedding head, in-batch negatives only": [HEAD_ONLY, "train.hard_negatives=false"],
    "embedding head + mined hard negatives": [HEAD_ONLY, "train.hard_negatives=true"],
    "embedding head + hard negatives, no pull to the identity": [
        HEAD_ONLY, "train.hard_negatives=true", "train.head_identity_decay=0"],
    "embedding head + 16 hard negatives per job": [HEAD_ONLY, "train.hard_negatives=true",
                                                   "train.head_hard_negatives=16"],
    "head or fit towers, the better on dev (default)": ["train.hard_negatives=true"],
}
EXTRA_POOL = "embedding head, in-batch negatives + synthetic pool as extra data"


def variants(extra_pool: str) -> dict[str, list[str]]:
    """VARIANTS, and the first one's head with the pool's pairs added when a pool is given."""
    if not extra_pool:
        return VARIANTS
    return {**VARIANTS, EXTRA_POOL: [HEAD_ONLY, "train.hard_negatives=false", f"train.extra_pool={extra_pool}"]}


def main(overrides: list[str], extra_pool: str = "") -> dict:
    base = ["data=postings", "train=biencoder", *overrides]
    cfg = compose_config(base)
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    plain = RecruitModel(encoder).eval()
    held_out = held_out_pooled(cfg, TextEncoder.for_model(plain, tokenizer, cfg.model), fingerprint)
    rows = [{"variant": "pretrained (no head)", "dev_p@10": None, **held_out.figures(plain, 10)}]
    for number, (name, extra) in enumerate(variants(extra_pool).items()):
        variant = compose_config([*base, *extra, f"train.run_name=head-variant-{number}"])
        result = train_head(variant)
        model = RecruitModel.load(result["model"])[0].eval()
        rows.append({"variant": name, "kept": result["kept"], "dev_p@10": round(result["dev_score"], 4),
                     **held_out.figures(model, 10)})
        print(rows[-1], flush=True)
    best = max(rows[1:], key=lambda row: row["dev_p@10"])
    return {"name": "biencoder_head", "rows": rows, "chosen_by_dev": best["variant"],
            "overrides": " ".join(overrides), "extra_pool": extra_pool or None,
            "ratio": round(best["p@10"] / 0.50, 3),
            "ratio_meaning": "held-out P@10 of the variant dev chose / the 0.50 target"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-pool", default="", metavar="DIR",
                        help="a synthetic pool folder (python ray_jobs/generate.py ...): adds its row")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. output_root=/tmp/headbench")
    args = parser.parse_args()
    from _results import record
    result = main(args.overrides, args.extra_pool)
    record(result, "python bench/biencoder_head.py " + " ".join(sys.argv[1:]))
    for row in result["rows"]:
        print(row)
