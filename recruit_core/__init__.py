"""recruit: batch screening, two-way matching and interview preparation over talent pools.

The model package shared by the Ray Train and Ray Data jobs in `ray_jobs/`; nothing here needs Ray
except the modules whose names say so (`ray_env`, `*_ray`).
"""

__version__ = "0.1.0"
