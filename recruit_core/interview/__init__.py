"""Interview packs: questions with rubrics grounded in the candidate's gaps (`packs`), how questions are
worded and ranked (`wording`), and the Ray Data pipeline (`pipeline_ray`)."""
