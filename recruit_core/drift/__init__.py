"""Drift between two runs: score distribution shift, category mix, quarantine rates, shortlist churn."""
