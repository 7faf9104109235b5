"""Deterministic demo corpus."""
