"""Ingest resume files (PDF, DOCX, .txt, .md) into the scoring job's Parquet, on Ray Data.

    python ray_jobs/ingest.py ingest.input=/data/cvs ingest.output_dir=/data/ingested
    python ray_jobs/ingest.py ingest.input='/data/cvs/**/*.pdf' ingest.output_dir=/data/ingested
    python ray_jobs/ingest.py ingest.input=/data/cv_list.parquet ingest.output_dir=/data/ingested
    python ray_jobs/ingest.py ingest.input=../shared/data/livecareer/pdf ingest.labels_from_path=true \\
        ingest.output_dir=/tmp/ingest-livecareer
    python ray_jobs/score.py inputs.resumes=/data/ingested/resumes inputs.jobs=...   # then score them

The job and its outputs: recruit_core/ingest/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.ingest.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
