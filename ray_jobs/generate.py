"""Generate the synthetic talent pool (resumes, ground truth, job requisitions) as sharded Parquet on Ray.

    python ray_jobs/generate.py                                  # 2,000 resumes, 60 jobs -> outputs/pool
    python ray_jobs/generate.py data.n_resumes=200000 data.dir=outputs/pool200k

The job: recruit_core/data/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.data.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
