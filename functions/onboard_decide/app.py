"""Onboarding: skip (scope, opt-out tag, parking VPC, another Profile - CP-6) or go on."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_handlers import decide as lambda_handler

__all__ = ["lambda_handler"]
