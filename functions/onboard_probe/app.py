"""Onboarding: invoke the VPC's probe; the Profile's endpoint names must answer privately (RES-7)."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_handlers import probe as lambda_handler

__all__ = ["lambda_handler"]
