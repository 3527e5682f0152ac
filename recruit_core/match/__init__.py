"""Two-way matching: exact blocked top-k and shortlists (`topk`), the Ray Data pipeline (`pipeline_ray`),
cross-encoder reranking and evidence of the shortlists (`shortlist_ray`), and the row accounting with
its quarantine (`accounting`)."""
