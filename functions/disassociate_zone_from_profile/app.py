"""Step action disassociate-zone-from-profile: idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("DisassociateZoneFromProfile")
