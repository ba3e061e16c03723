"""Onboarding: the outcome, published to the notification topic when one is set."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_handlers import notify as lambda_handler

__all__ = ["lambda_handler"]
