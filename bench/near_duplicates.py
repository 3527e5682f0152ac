"""Near-duplicate flags against the generator's truth: precision and recall of the flagged pairs.

    .venv/bin/python bench/near_duplicates.py                     # 2,000 resumes, default rate
    .venv/bin/python bench/near_duplicates.py --resumes 10000 --threshold 0.8

Generates a pool (recruit_core/data/synth.py, config defaults: no_skills_section_rate and
near_duplicate_rate), signs every resume and finds near-duplicates with the scoring job's functions
(recruit_core/text/near_duplicates.py) at the dedup settings. A flagged pair (resume, original) is
right when both belong to the same planted group (following `duplicate_of` to its root: two copies
of one original are the same person too); recall counts planted copies flagged with a member of
their group. `ratio`: recall. CPU seconds of signing and of the LSH pass are reported as well.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recruit_core.config import DataConfig, DedupConfig  # noqa: E402
from recruit_core.data.synth import resume_tables  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from recruit_core.text.near_duplicates import find_near_duplicates, signatures  # noqa: E402


def _root(resume_id: str, duplicate_of: dict) -> str:
    while resume_id in duplicate_of:
        resume_id = duplicate_of[resume_id]
    return resume_id


def main() -> dict:
    defaults, data = DedupConfig(), DataConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=defaults.threshold)
    parser.add_argument("--shingle-words", type=int, default=defaults.shingle_words)
    args = parser.parse_args()
    dedup = DedupConfig(threshold=args.threshold, shingle_words=args.shingle_words)
    resumes, truth = resume_tables(load_builtin(), args.seed, 0, args.resumes,
                                   data.no_skills_section_rate, data.near_duplicate_rate)
    planted = {r: o for r, o in zip(truth.column("resume_id").to_pylist(),
                                    truth.column("duplicate_of").to_pylist()) if o}
    started = time.process_time()
    sigs = signatures(resumes.column("text").to_pylist(), dedup)
    signed = time.process_time()
    found = find_near_duplicates(resumes.column("resume_id").to_pylist(), sigs, dedup)
    indexed = time.process_time()
    pairs = list(zip(found.column("resume_id").to_pylist(), found.column("near_duplicate_of").to_pylist()))
    right = [(r, o) for r, o in pairs if _root(r, planted) == _root(o, planted)]
    recalled = {r for r, _ in right if r in planted}
    result = {"name": "near_duplicates", "resumes": args.resumes, "seed": args.seed,
              "near_duplicate_rate": data.near_duplicate_rate, "threshold": dedup.threshold,
              "num_perm": dedup.num_perm, "shingle_words": dedup.shingle_words,
              "planted": len(planted), "flagged": len(pairs), "flagged_right": len(right),
              "precision": round(len(right) / len(pairs), 4) if pairs else None,
              "recall": round(len(recalled) / len(planted), 4) if planted else None,
              "missed": sorted(set(planted) - recalled),
              "wrong": [list(p) for p in pairs if p not in right],
              "sign_cpu_s": round(signed - started, 3), "lsh_cpu_s": round(indexed - signed, 3)}
    result["ratio"] = result["recall"]
    from _results import publish
    return publish(result, "python bench/near_duplicates.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
