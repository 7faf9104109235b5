"""Stress batteries (``make stress``): adversarial loops bounded in count and time. Not part of ``make test``."""
