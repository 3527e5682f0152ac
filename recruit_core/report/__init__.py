"""HTML reports of a run and `recruit show`: what a person reads after a job (build.py, show.py)."""
