"""Onboarding: invoke the VPC's probe; the Profile's endpoint names must answer privately (RES-7)."""

from profile_migrator.onboarding_handlers import probe as lambda_handler

__all__ = ["lambda_handler"]
