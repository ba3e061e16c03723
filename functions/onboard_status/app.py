"""Onboarding: one poll of the Profile association until COMPLETE (AS-1)."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_handlers import poll as lambda_handler

__all__ = ["lambda_handler"]
