"""Two-way matching: exact blocked top-k and shortlists (`topk`), the Ray Data pipeline (`pipeline_ray`),
per-file staging and commits (`staging_ray`) with their output schemas (`outputs`), reuse of an earlier
run (`reuse`), cross-encoder reranking and evidence of the shortlists (`shortlist_ray`), and the row
accounting with its quarantine (`accounting`)."""
