"""Resume files in (PDF, DOCX, text): listing, extraction and quality checks, the Ray Data job
(`job_ray`), and sample files for tests and benchmarks."""
