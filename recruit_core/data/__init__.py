"""Talent-pool data: the taxonomy, the synthetic pool and its text, real livecareer resumes, and intake
(validation and quarantine of every input row)."""
