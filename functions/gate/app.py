"""Probe gate: invoke each gated VPC's probe; N consecutive private answers pass."""

from profile_migrator.handlers import gate as lambda_handler

__all__ = ["lambda_handler"]
