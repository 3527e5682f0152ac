"""The model: loading the pretrained encoder (sha256-checked), `RecruitModel` and its heads, the one
forward pass every job runs, and FLOP counts."""
