"""EventBridge target for a new VPC (EV-1): start its onboarding execution, named from the VPC id."""

from profile_migrator.onboarding_trigger import trigger as lambda_handler

__all__ = ["lambda_handler"]
