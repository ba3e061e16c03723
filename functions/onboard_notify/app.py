"""Onboarding: the outcome, published to the notification topic when one is set."""

from profile_migrator.onboarding_handlers import notify as lambda_handler

__all__ = ["lambda_handler"]
