"""The real matching benchmark as a results row: P@10 and nDCG@10 of every method, one run.

    .venv/bin/python bench/real_matching.py                                   # pretrained MiniLM
    .venv/bin/python bench/real_matching.py eval.model_path=<bi-encoder> eval.crossencoder_path=<cross>

Runs `recruit_core.eval.postings.evaluate_postings` (the code `python ray_jobs/evaluate.py
data=postings` runs) with any Hydra overrides given, and records the table, both halves' sizes and
the fit probability's calibration in bench/results.jsonl and RESULTS.md. Needs ../shared/data.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.eval.postings import evaluate_postings  # noqa: E402


def main(overrides: list[str]) -> dict:
    cfg = compose_config(["data=postings", *overrides])
    report = evaluate_postings(cfg)
    best = max(report["rows"], key=lambda row: row["p@10"])
    calibration = report.get("calibration") or {}
    return {"name": "real_matching", "rows": report["rows"], "data": report["data"],
            "calibration": {k: calibration.get(k)
                            for k in ("method", "fitted_on", "formula", "chosen_by", "ece", "brier")},
            "overrides": " ".join(overrides), "best_method": best["method"],
            "ratio": round(best["p@10"] / 0.50, 3),
            "ratio_meaning": "best P@10 on the held-out postings / the 0.50 target",
            "seconds": report["seconds"]}


if __name__ == "__main__":
    from _results import record
    result = main(sys.argv[1:])
    record(result, "python bench/real_matching.py " + " ".join(sys.argv[1:]))
    print(result)
