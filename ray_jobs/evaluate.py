"""Quality report of a model beside its baselines: <eval.output_dir>/report.md and report.json.

    python ray_jobs/evaluate.py data=livecareer eval.model_path=outputs/train/<run>/model
    python ray_jobs/evaluate.py data=synthetic experiment=smoke      # AUC, Recall@10, nDCG@10

The job: recruit_core/eval/job.py (in this process, not on Ray: it says why).
"""
from ray_jobs import _entry
from recruit_core.eval.job import run


def show(report: dict) -> dict:
    print(report["markdown"])
    print(f"report: {report['report_md']}\n        {report['report_json']}")
    return report


main = _entry.main_for(run, show)

if __name__ == "__main__":
    main()
