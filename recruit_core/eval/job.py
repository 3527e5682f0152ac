"""The evaluation job: a model's quality beside its baselines, in <eval.output_dir>/report.md and .json
(livecareer: also predictions.parquet, the model row's dev predictions, recruit_core/eval/predictions.py).

    python ray_jobs/evaluate.py data=livecareer eval.model_path=outputs/train/<run>/model
    python ray_jobs/evaluate.py data=livecareer                      # pretrained MiniLM + probe
    python ray_jobs/evaluate.py data=synthetic experiment=smoke      # AUC, Recall@10, nDCG@10
    python ray_jobs/evaluate.py data=synthetic eval.model_path=outputs/train/<run>/model

eval.output_dir, data.dir and eval.model_path may be s3:// or gs:// URIs (recruit_core/storage.py).
Runs in this process, not on Ray: the dev split (~500 resumes) and a few hundred sampled resumes
score faster in one process using every core than through an actor pool, and the baselines need
the whole split in one place anyway. The metric logic is `recruit_core.eval.evaluate`.
"""
from __future__ import annotations

from transformers.utils import logging as hf_logging

from recruit_core import storage
from recruit_core.config import RecruitConfig
from recruit_core.eval.evaluate import evaluate, render_markdown
from recruit_core.eval.predictions import write_predictions
from recruit_core.io import write_json_atomic, write_text_atomic


def run(cfg: RecruitConfig) -> dict:
    """Evaluate, write report.md, report.json and (livecareer) predictions.parquet; the report
    with `markdown` and their paths."""
    hf_logging.set_verbosity_error()  # whole resumes are tokenized on purpose, then windowed
    report = evaluate(cfg)
    folder = cfg.eval.output_dir  # a folder, or an object-store prefix (s3://bucket/prefix)
    predictions = report.pop("predictions", None)
    if predictions is not None:
        report["predictions_parquet"] = str(write_predictions(predictions, folder))
    markdown = render_markdown(report)
    report["report_md"] = str(write_text_atomic(markdown, storage.join(folder, "report.md")))
    report["report_json"] = storage.join(folder, "report.json")
    write_json_atomic(report, storage.join(folder, "report.json"))
    report["markdown"] = markdown
    return report

