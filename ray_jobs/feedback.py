"""Interview question quality from decisions and rubric scores: <feedback.output_dir>/question_quality.*

    recruit feedback feedback.decisions=decisions.parquet feedback.feedback=feedback.parquet
    python ray_jobs/feedback.py feedback.decisions=d.parquet feedback.feedback=f.parquet feedback.scale=5

The job: recruit_core/interview/feedback_job.py (in this process, not on Ray: two small tables).
"""
from ray_jobs import _entry
from recruit_core.interview.feedback_job import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
