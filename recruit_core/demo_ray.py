"""The main job, end to end on one Ray session: generate a talent pool, then run every stage on it.

    make demo                                             # experiment=demo: real MiniLM, 240 resumes, 24 jobs
    python ray_jobs/demo.py experiment=smoke              # tiny model and data, about a minute
    python ray_jobs/demo.py experiment=demo data.n_resumes=200000 score.pool_size=4
    ray job submit --working-dir . -- python ray_jobs/demo.py experiment=demo cluster=remote

Each stage is another job's `run`, handed what the stages before it made. Each prints
`stage <name>: <seconds> s`; the run writes `<output_root>/demo_summary.json` and the HTML report
`<output_root>/report/index.html` (recruit_core/report/), and ends with where every output is.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from recruit_core.config import RecruitConfig
from recruit_core.io import write_json_atomic
from recruit_core.ray_env import connect


def _train(task: str):
    """Fine-tune one task under a fresh run name (a reused name would resume the last demo's run)."""
    def stage(cfg: RecruitConfig, results: dict) -> dict:
        from recruit_core.train.job_ray import run
        run_name = f"{cfg.experiment}-{task}-{time.strftime('%Y%m%d-%H%M%S')}"
        return run(replace(cfg, train=replace(cfg.train, task=task, run_name=run_name)))
    return stage


def _screening_model(cfg: RecruitConfig, results: dict) -> dict:
    """One folder with the classifier's categories and the bi-encoder's fit when both stages kept
    the frozen encoder, so scores and matches carry the same fit probability (train/combine.py)."""
    from recruit_core.eval.demo_quality import keep_better_classifier
    from recruit_core.train.combine import combine
    gate = keep_better_classifier(results["train_classify"], results["train_probe"])
    print(gate["line"], flush=True)
    classifier, biencoder = gate["model"], results["train_biencoder"]["model"]
    folder = combine(classifier, biencoder, Path(cfg.output_root) / "models" / "screening")
    if folder is None:
        return {"score_model": classifier, "match_model": biencoder, "category_model": gate,
                "why": "the classifier and the bi-encoder hold different encoders: each job reads its own"}
    return {"score_model": str(folder), "match_model": str(folder), "category_model": gate,
            "why": "classifier and bi-encoder on the same frozen encoder: one folder, one fit number"}


def _score(cfg: RecruitConfig, results: dict) -> dict:
    from recruit_core.score.job_ray import run
    model = results["screening_model"]["score_model"]
    return run(replace(cfg, score=replace(cfg.score, model_path=model, overwrite=True)))


def _match(cfg: RecruitConfig, results: dict) -> dict:
    from recruit_core.match.job_ray import run
    return run(replace(cfg, match=replace(
        cfg.match, biencoder_path=results["screening_model"]["match_model"],
        crossencoder_path=results["train_crossencoder"]["model"], overwrite=True)))


def _on_shortlist(run):
    """A stage that reads the matching stage's shortlist."""
    def stage(cfg: RecruitConfig, results: dict) -> dict:
        shortlist = results["match"]["shortlists"]
        return run(replace(cfg, interview=replace(cfg.interview, shortlist_path=shortlist)))
    return stage


def _generate(cfg: RecruitConfig, results: dict) -> dict:
    from recruit_core.data.job_ray import run
    return run(cfg)


def _stages() -> list[tuple[str, object]]:
    from recruit_core.interview.job_ray import run as interview_packs
    from recruit_core.schedule.job_ray import run as schedule
    return [("generate", _generate), ("train_classify", _train("classify")),
            ("train_probe", _train("probe")),
            ("train_biencoder", _train("biencoder")), ("train_crossencoder", _train("crossencoder")),
            ("screening_model", _screening_model), ("score", _score), ("match", _match),
            ("interview_pack", _on_shortlist(interview_packs)),
            ("schedule", _on_shortlist(schedule))]


def _shortlist_quality(cfg: RecruitConfig, results: dict) -> dict:
    """The packs and the schedule read each job's first candidates: how many are true fits."""
    from recruit_core.eval.shortlist_quality import quality_line, read_shortlists, shortlist_quality
    figures = shortlist_quality(read_shortlists(results["match"]["shortlists"]), cfg.data.dir,
                                cfg.interview.top_candidates_per_job, cfg.data)
    return {**figures, "line": quality_line(figures)}


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster, trains=True)
    results, timings = {}, {}
    for name, stage in _stages():
        started = time.perf_counter()
        results[name] = stage(cfg, results)
        timings[name] = round(time.perf_counter() - started, 2)
        print(f"stage {name}: {timings[name]} s", flush=True)
    summary = {"experiment": cfg.experiment, "stage_seconds": timings, "outputs": results,
               "quality": {"shortlists": _shortlist_quality(cfg, results)}}
    from recruit_core.eval.demo_quality import category_quality
    summary["quality"]["category"] = category_quality(results["score"]["scores"], cfg.data.dir)
    write_json_atomic(summary, Path(cfg.output_root) / "demo_summary.json")
    from recruit_core.report.build import write_report
    summary["report"] = str(write_report(Path(cfg.output_root)).resolve())
    return summary


def output_paths(summary: dict) -> list[tuple[str, str, Path]]:
    """(stage, key, absolute path) of every output the stages name that exists, each path once: a
    folder a stage would have written only if needed (quarantine/) is left out when it was not."""
    listed, seen = [], set()
    for stage, result in summary["outputs"].items():
        for key, value in (result or {}).items():
            if not isinstance(value, str) or not ("/" in value or value.endswith((".md", ".json"))):
                continue
            path = Path(value).resolve()
            if path.exists() and path not in seen:
                seen.add(path)
                listed.append((stage, key, path))
    return listed


def print_outputs(summary: dict) -> dict:
    """Where every stage's outputs are (absolute paths), the report, and each stage's time."""
    print("\nOutputs:")
    for stage, key, path in output_paths(summary):
        print(f"  {stage:>18} {key:<14} {path}")
    if summary.get("report"):
        print(f"\nReport: {summary['report']}  (recruit report <output_root> rewrites it)")
    total = sum(summary["stage_seconds"].values())
    print(f"\nAll stages: {total:.1f} s ({', '.join(f'{k} {v:.0f}s' for k, v in summary['stage_seconds'].items())})")
    for figures in summary.get("quality", {}).values():
        print(figures["line"])
    return summary
