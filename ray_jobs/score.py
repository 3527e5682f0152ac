"""Bulk-score resumes on Ray Data: categories, fit against the open requisitions, provenance.

    python ray_jobs/score.py                                   # the pool in outputs/pool
    python ray_jobs/score.py experiment=smoke data.dir=/tmp/pool score.output_dir=/tmp/scores
    python ray_jobs/score.py score.model_path=outputs/train/recruit-train/model score.write_embeddings=true
    ray job submit --working-dir . -- python ray_jobs/score.py cluster=remote \\
        inputs.resumes=/shared/resumes score.output_dir=/shared/scores
    ray job submit --working-dir . -- python ray_jobs/score.py cluster=remote score=gpu ...

The job and its outputs: recruit_core/score/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.score.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
