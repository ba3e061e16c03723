"""Onboarding: skip (scope, opt-out tag, parking VPC, another Profile - CP-6) or go on."""

from profile_migrator.onboarding_handlers import decide as lambda_handler

__all__ = ["lambda_handler"]
