"""Onboarding: one poll of the Profile association until COMPLETE (AS-1)."""

from profile_migrator.onboarding_handlers import poll as lambda_handler

__all__ = ["lambda_handler"]
