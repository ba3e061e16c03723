"""EventBridge target for a new VPC (EV-1): start its onboarding execution, named from the VPC id."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.onboarding_trigger import trigger as lambda_handler

__all__ = ["lambda_handler"]
