"""Synthetic vs real: the same ranking methods on the generated pool and on the real benchmark, side by side.

    .venv/bin/python bench/synthetic_vs_real.py                        # hard pool (the default)
    .venv/bin/python bench/synthetic_vs_real.py data.difficulty=easy   # the pool as it was before

Synthetic side: the generator's jobs (title and description, as the jobs read them) are the queries,
the first --resumes resumes of the pool with data.seed are ranked, and a resume is relevant when
the generator's truth says it fits the job (`recruit_core.data.synth.is_fit`: its occupation,
required skills and seniority). The same rankings are also judged at the granularity of the real
labels, which name whole categories: relevant when the resume's occupation is the job's
(`occupation`), or in the job's family (`family`, 14 families, about as broad as livecareer's 24
categories). Real side: the
evaluation half of the real postings ranking the livecareer dev resumes (recruit_core/eval/postings.py,
what `python ray_jobs/evaluate.py data=postings` runs). Both sides use the scoring functions of
recruit_core/eval/postings.py (random, TF-IDF cosine, BM25, the pretrained encoder's cosine) at one
setting, model.max_windows=1 unless overridden. A pool is realistic here when the methods come
out in the order they come out on real data. Records a row in bench/results.jsonl. The real side
needs ../shared/data; without it only the synthetic side is printed.

--real-cache FILE reuses the real side's rows from FILE (written by an earlier run with the same
flag), so iterating on the generator does not re-embed the real benchmark each time.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.config import RecruitConfig  # noqa: E402
from recruit_core.data.synth import is_fit, job_table, resume_tables  # noqa: E402
from recruit_core.data.taxonomy import load_taxonomy  # noqa: E402
from recruit_core.eval.postings import (  # noqa: E402
    bm25_scores,
    cosine_scores,
    evaluate_postings,
    figures,
    tfidf_scores,
)
from recruit_core.text.requisition import requisition_texts  # noqa: E402

# 800 resumes, about 12 fits per job: the pretrained encoder embeds them on two CPU cores in about
# two minutes, and P@10 is not capped by a job having fewer than 10 fits.
DEFAULT_RESUMES = 800
METHODS = ("random", "tfidf cosine", "bm25", "pretrained encoder (cosine)")


RELEVANCE = ("fit", "occupation", "family")


def synthetic_pool(cfg: RecruitConfig, n_resumes: int) -> tuple[list[str], list[str], dict]:
    """(job texts, resume texts, {RELEVANCE name: relevant resume indices per job}) of the pool."""
    taxonomy, data = load_taxonomy(cfg.data), cfg.data
    resumes, truth = resume_tables(taxonomy, data.seed, 0, n_resumes, data.no_skills_section_rate,
                                   data.near_duplicate_rate, difficulty=data.difficulty)
    jobs = job_table(taxonomy, data.seed, data.n_jobs, difficulty=data.difficulty)
    truths, job_rows = truth.to_pylist(), jobs.to_pylist()
    family = {job["job_id"]: taxonomy.occupation(job["occupation"]).family for job in job_rows}
    judged = {"fit": lambda t, job: is_fit(taxonomy, t, job),
              "occupation": lambda t, job: t["occupation"] == job["occupation"],
              "family": lambda t, job: t["family"] == family[job["job_id"]]}
    relevant = {name: [{i for i, t in enumerate(truths) if judge(t, job)} for job in job_rows]
                for name, judge in judged.items()}
    return requisition_texts(jobs), resumes.column("text").to_pylist(), relevant


def method_rows(cfg: RecruitConfig, queries: list[str], resumes: list[str],
                relevant: dict) -> dict[str, list[dict]]:
    """{relevance: P@k and nDCG@k of each method in METHODS}, ranking `resumes` for every query
    once and judging the ranking by each of `relevant`'s definitions."""
    from recruit_core.eval.evaluate import window_settings
    from recruit_core.model.encoder import load_encoder
    from recruit_core.model.forward import TextEncoder
    from recruit_core.model.recruit import RecruitModel
    tokenizer, model, _ = load_encoder(cfg.model)
    encoder = TextEncoder.for_model(RecruitModel(model), tokenizer, window_settings(cfg))
    rng = np.random.default_rng(cfg.eval.seed)
    scorers = {"random": lambda: rng.random((len(queries), len(resumes))),
               "tfidf cosine": lambda: tfidf_scores(queries, resumes),
               "bm25": lambda: bm25_scores(queries, resumes),
               "pretrained encoder (cosine)": lambda: cosine_scores(encoder, queries, resumes)}
    rows = {name: [] for name in relevant}
    for method in METHODS:
        clock = time.perf_counter()
        scores = scorers[method]()
        seconds = round(time.perf_counter() - clock, 1)
        for name, sets in relevant.items():
            rows[name].append({"method": method, **figures(scores, sets, cfg.eval.k), "seconds": seconds})
    return rows


def real_rows(overrides: list[str], cache: Path | None) -> list[dict] | None:
    """The real benchmark's rows under the same method names; None without ../shared/data."""
    if cache and cache.is_file():
        return json.loads(cache.read_text())
    cfg = compose_config(["data=postings", "model.max_windows=1", "eval.calibration_resumes=0", *overrides])
    if not Path(cfg.data.postings_path).is_file() or not Path(cfg.data.livecareer_path).is_file():
        return None
    names = dict(zip(("random", "tfidf cosine", "bm25"), METHODS))
    rows = [{**row, "method": names.get(row["method"], METHODS[-1])}
            for row in evaluate_postings(cfg)["rows"]]
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(rows))
    return rows


def method_order(rows: list[dict], metric: str) -> list[str]:
    """Methods best first by `metric`; ties keep METHODS order."""
    return [row["method"] for row in sorted(rows, key=lambda row: -row[metric])]


def table(synthetic: list[dict], real: list[dict] | None, k: int) -> str:
    real_by_method = {row["method"]: row for row in real or []}
    lines = [f"| method | synthetic P@{k} | synthetic nDCG@{k} | real P@{k} | real nDCG@{k} |",
             "|---|---|---|---|---|"]
    for row in synthetic:
        other = real_by_method.get(row["method"], {})
        cells = [f"{v:.3f}" if isinstance(v, float) else "n/a" for v in
                 (row[f"p@{k}"], row[f"ndcg@{k}"], other.get(f"p@{k}"), other.get(f"ndcg@{k}"))]
        lines.append(f"| {row['method']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=DEFAULT_RESUMES, help="synthetic resumes ranked")
    parser.add_argument("--real-cache", type=Path, help="JSON file holding the real side's rows")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. data.difficulty=easy")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cfg = compose_config(["model.max_windows=1", *args.overrides])
    queries, resumes, relevant = synthetic_pool(cfg, args.resumes)
    synthetic = method_rows(cfg, queries, resumes, relevant)
    real_overrides = [o for o in args.overrides if not o.startswith("data.")]
    real = real_rows(real_overrides, args.real_cache)
    k = cfg.eval.k
    metric = f"p@{k}"
    orders = {**{f"synthetic ({name})": method_order(rows, metric) for name, rows in synthetic.items()},
              "real": method_order(real, metric) if real else None}
    for name, rows in synthetic.items():
        print(f"relevant on the synthetic side: {name}\n" + table(rows, real, k))
    for side, order in orders.items():
        print(f"{side} order by P@{k}: " + (" > ".join(order) if order else "n/a (no ../shared/data)"))
    same = {name: orders["real"] is not None and orders[f"synthetic ({name})"] == orders["real"]
            for name in synthetic}
    return {"name": "synthetic_vs_real", "difficulty": cfg.data.difficulty,
            "synthetic": {"jobs": len(queries), "resumes": len(resumes),
                          "relevant_per_job_mean": {name: round(float(np.mean([len(r) for r in sets])), 1)
                                                    for name, sets in relevant.items()},
                          "rows": synthetic["fit"], "by_relevance": synthetic},
            "real": {"rows": real}, "order_by_p@10": orders,
            "same_order": same["fit"], "same_order_by_relevance": same,
            "overrides": " ".join(args.overrides), "seconds": round(time.perf_counter() - started, 1)}


if __name__ == "__main__":
    from _results import record
    result = main(sys.argv[1:])
    record(result, "python bench/synthetic_vs_real.py " + " ".join(sys.argv[1:]))
