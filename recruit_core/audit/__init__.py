"""Bias audit: selection and scoring rates, impact ratios and four-fifths flags per demographic group."""
