"""Two-way matching on Ray Data: top-k jobs per resume and a reranked top-N shortlist per job.

    python ray_jobs/match.py                                   # the pool in outputs/pool
    python ray_jobs/match.py match.biencoder_path=outputs/train/bi/model \\
        match.crossencoder_path=outputs/train/cross/model
    ray job submit --working-dir . -- python ray_jobs/match.py cluster=remote \\
        inputs.resumes=/shared/resumes inputs.jobs=/shared/jobs match.output_dir=/shared/match
    python ray_jobs/match.py match.output_dir=outputs/m2 match.previous_run=outputs/m1  # reuse m1

Killed or failed? Run the same command again: committed input files are skipped.

The job and its outputs: recruit_core/match/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.match.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
