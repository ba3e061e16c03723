"""Step action associate-zone-with-profile: idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("AssociateZoneWithProfile")
