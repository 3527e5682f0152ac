"""Bias audit of what recruit recommends: rates and impact ratios by sex, race/ethnicity and both.

    python ray_jobs/audit.py audit.scores=outputs/scores audit.demographics=outputs/pool/demographics
    python ray_jobs/audit.py audit.scores=outputs/match audit.demographics=self_id.csv audit.output_dir=out
    recruit audit ... audit.model_card=outputs/train/recruit-train/model  # adds the findings to its card

Writes <audit.output_dir>/audit.json and audit.md. The job: recruit_core/audit/job.py (in this
process, not on Ray: one score and one flag per candidate).
"""
from ray_jobs import _entry
from recruit_core.audit.job import run


def show(result: dict) -> dict:
    print("\n".join(result["summary"]))
    print(f"report: {result['audit_md']}\n        {result['audit_json']}")
    return result


main = _entry.main_for(run, show)

if __name__ == "__main__":
    main()
