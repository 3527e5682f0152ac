"""Bulk scoring: the scorer (categories, fit, embeddings), its Ray Data pipeline, and the manifest that
makes a crashed run resumable."""
