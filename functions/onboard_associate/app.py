"""Onboarding: associate the new VPC with the Profile from its owner's account (CP-9)."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_handlers import associate as lambda_handler

__all__ = ["lambda_handler"]
