"""Privacy: personal data redacted from resume text before any model sees it (`redact.py`)."""
