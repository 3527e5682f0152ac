"""Schedule panel interviews for the shortlisted candidates of the first jobs, as a MILP on Ray.

    python ray_jobs/schedule.py experiment=smoke                       # synthetic interviewers
    python ray_jobs/schedule.py interview.interviewers_path=panel.json interview.jobs_to_schedule=3

The job and its outputs: recruit_core/schedule/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.schedule.job_ray import run


def show(result: dict) -> dict:
    """The summary, then each candidate left unscheduled with the reason."""
    reasons = result.pop("reasons")
    _entry.print_result(result)
    for candidate, reason in reasons.items():
        print(f"  not scheduled {candidate}: {reason}")
    return result


main = _entry.main_for(run, show)

if __name__ == "__main__":
    main()
