"""Learning from recruiters' decisions: P@10 on the held-out real postings after each batch of decisions.

    .venv/bin/python bench/learning_curve.py                      # 4 batches, MiniLM, real data
    .venv/bin/python bench/learning_curve.py --batches 4 --reviewed 30

The training half of the real postings (recruit_core/data/postings.py) arrives in `--batches`
batches, by a hash of job_id. For each posting of a batch, the recruiters' decisions are the
category relevance the posting states: every relevant livecareer TRAIN resume is advanced, and the
`--reviewed` non-relevant resumes the model in use ranks highest (what a recruiter saw on the
shortlist and turned down) are rejected. After each batch the bi-encoder is retrained on all
decisions so far, starting from the model in use, through the train job's own path
(`train.decisions`, `train.init_from`: recruit_core/train/embed_head_job.py), and the new model
replaces the old one only when it beats it on dev (postings and resumes of the training side held
out by hash). The evaluation half against the livecareer dev resumes is never read for training or
for the gate; its P@10 is reported after each batch. Needs ../shared/data.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.eval.postings import head_cosine, held_out_pooled  # noqa: E402
from recruit_core.model.encoder import load_encoder  # noqa: E402
from recruit_core.model.forward import TextEncoder  # noqa: E402
from recruit_core.model.pooled_cache import cache_dir, cached_pooled  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402
from recruit_core.train.embed_head_job import data_texts, train_head  # noqa: E402


def batch_of(job_id: str, batches: int) -> int:
    return int(hashlib.sha256(f"arrival:{job_id}".encode()).hexdigest()[:8], 16) % batches


def decisions_for(job_rows: list[int], texts: dict, scores: np.ndarray, reviewed: int,
                  batch: int) -> pd.DataFrame:
    """Advanced: every relevant resume; rejected: the `reviewed` best-ranked non-relevant ones."""
    rows = []
    for j in job_rows:
        relevant = texts["relevant"][j]
        turned_down = [r for r in np.argsort(-scores[j], kind="stable") if not relevant[r]][:reviewed]
        rows += [(texts["job_ids"][j], texts["resume_ids"][r], "advanced") for r in np.flatnonzero(relevant)]
        rows += [(texts["job_ids"][j], texts["resume_ids"][r], "rejected") for r in turned_down]
    frame = pd.DataFrame(rows, columns=["job_id", "resume_id", "decision"])
    frame["decided_at"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=7 * batch)
    frame["decided_by"] = f"recruiting-team-batch-{batch}"
    return frame


def main(batches: int, reviewed: int, overrides: list[str]) -> dict:
    cfg = compose_config(["data=postings", "train=biencoder", "train.hard_negatives=true", *overrides])
    texts = data_texts(cfg)
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    plain = RecruitModel(encoder).eval()
    text = TextEncoder.for_model(plain, tokenizer, cfg.model)
    cache = cache_dir(cfg.output_root)
    train_jobs = cached_pooled(text, fingerprint, texts["job_texts"], cache)
    train_resumes = cached_pooled(text, fingerprint, texts["resume_texts"], cache)
    held_out = held_out_pooled(cfg, text, fingerprint)

    def held_out_figures(model: RecruitModel) -> dict:
        return held_out.figures(model, 10)

    arrival = np.array([batch_of(j, batches) for j in texts["job_ids"]])
    model, model_path, decided = plain, "", []
    curve = [{"batch": 0, "postings": 0, "decisions": 0, "kept": "pretrained", **held_out_figures(plain)}]
    folder = Path(cfg.output_root) / "decisions"
    folder.mkdir(parents=True, exist_ok=True)
    for batch in range(1, batches + 1):
        scores = head_cosine(model, train_jobs, train_resumes)
        decided.append(decisions_for(list(np.flatnonzero(arrival == batch - 1)), texts, scores, reviewed, batch))
        table = pd.concat(decided, ignore_index=True)
        path = folder / f"decisions-{batch}.parquet"
        table.to_parquet(path, index=False)
        step_cfg = replace(cfg, train=replace(cfg.train, decisions=str(path), init_from=model_path,
                                              run_name=f"decisions-batch-{batch}"))
        result = train_head(step_cfg)
        if result["kept"].startswith("new"):
            model_path = result["model"]
            model = RecruitModel.load(model_path)[0].eval()
        curve.append({"batch": batch, "postings": int((arrival < batch).sum()), "decisions": len(table),
                      "kept": result["kept"], "dev_p@10": round(result["dev_score"], 4),
                      **held_out_figures(model)})
        print(curve[-1], flush=True)
    return {"name": "learning_curve", "rows": curve, "batches": batches, "reviewed": reviewed,
            "eval_postings": len(held_out.postings), "dev_resumes": len(held_out.resumes),
            "overrides": " ".join(overrides),
            "ratio": round(curve[-1]["p@10"] / curve[0]["p@10"], 3),
            "ratio_meaning": "held-out P@10 after the last batch / the pretrained encoder's"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--reviewed", type=int, default=30, help="non-relevant resumes a recruiter "
                        "reviews and rejects per posting")
    args, overrides = parser.parse_known_args()
    from _results import record
    result = main(args.batches, args.reviewed, overrides)
    record(result, "python bench/learning_curve.py " + " ".join(sys.argv[1:]))
    for row in result["rows"]:
        print(row)
