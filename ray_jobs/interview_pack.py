"""Interview packs for every shortlisted (job, resume) pair: ranked questions with rubrics, on Ray Data.

    python ray_jobs/interview_pack.py experiment=smoke            # shortlist from the pool's truth
    python ray_jobs/interview_pack.py experiment=demo interview.shortlist_path=outputs/demo/match/shortlists

The job and its outputs: recruit_core/interview/job_ray.py.
"""
from ray_jobs import _entry
from recruit_core.interview.job_ray import run

main = _entry.main_for(run)

if __name__ == "__main__":
    main()
