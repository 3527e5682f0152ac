"""Two-way matching: exact blocked top-k and shortlists (`topk`), and the Ray Data pipeline with
cross-encoder reranking and evidence (`pipeline_ray`)."""
