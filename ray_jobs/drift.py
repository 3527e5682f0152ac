"""Drift between two score runs (and their match runs): <drift.output_dir>/drift.json and drift.md.

    recruit drift outputs/night1/scores outputs/night2/scores
    python ray_jobs/drift.py drift.baseline=outputs/night1/scores drift.current=outputs/night2/scores

The job: recruit_core/drift/job.py (in this process, not on Ray: it reads a few columns).
"""
from ray_jobs import _entry
from recruit_core.drift.job import run


def show(report: dict) -> dict:
    print("\n".join(report["flagged"]) or "nothing flagged")
    print(f"report: {report['drift_md']}\n        {report['drift_json']}")
    return report


main = _entry.main_for(run, show)

if __name__ == "__main__":
    main()
