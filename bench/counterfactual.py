"""Counterfactual invariance with MiniLM: score changes when only names and pronouns change, before
and after redaction.

    .venv/bin/python bench/counterfactual.py                  # 24 resumes x 6 groups x 60 requisitions
    .venv/bin/python bench/counterfactual.py --quick          # 8 resumes x 6 groups x 12 requisitions

Each synthetic resume body is written by a member of each group of
`recruit_core.privacy.counterfactual.GROUPS` (name, e-mail address and pronouns change, nothing
else), scored by the jobs' `ResumeScorer` (zero-shot categories, fit to every requisition) as
written and after redaction. Reported against the first group, worst over the others: max and mean
|change| of fit, max |change| of the top category's probability, the share of resumes whose top
category changes and the share of shortlist places (top `--shortlist` per requisition) that
change. `within_bound` applies `privacy.counterfactual_max_delta`. The ratio is max |change of
fit| before over after redaction (null when after is 0, as it is when the redacted texts match).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402  (sets the offline environment first)
from recruit_core.data.synth import job_table  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from recruit_core.privacy.counterfactual import build_scorer, make_variants, measure, violations  # noqa: E402
from recruit_core.privacy.planted import synthetic_bodies  # noqa: E402


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--shortlist", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    resumes, jobs = (8, 12) if quick else (args.resumes, args.jobs)
    import torch
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    cfg = compose_config(["model=minilm"])
    started, cpu = time.perf_counter(), time.process_time()
    scorer = build_scorer(cfg, job_table(load_builtin(), 0, jobs))
    variants = make_variants(synthetic_bodies(resumes, seed=0))
    bound = cfg.privacy.counterfactual_max_delta
    result = {"name": "counterfactual", "quick": quick, "model": scorer.fingerprint,
              "groups": variants.groups, "max_delta_bound": bound}
    for label, redacted in (("before_redaction", False), ("after_redaction", True)):
        report = measure(scorer, variants, redacted, args.shortlist, cfg.privacy.types)
        found = violations(report, bound)
        result[label] = {**{k: (round(v, 6) if isinstance(v, float) else v)
                            for k, v in report.items() if k != "per_group"},
                         "within_bound": not found, "violations": found}
    before, after = (result[k]["max_abs_delta_fit"] for k in ("before_redaction", "after_redaction"))
    result["ratio"] = round(before / after, 1) if after else None
    result["ratio_meaning"] = "max |change of fit| before over after redaction (null: after is 0)"
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["cpu_seconds"] = round(time.process_time() - cpu, 1)
    from _results import publish
    publish(result, "python bench/counterfactual.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
