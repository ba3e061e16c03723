"""Step action associate-vpc-with-profile (and disassociate-vpc-from-profile, its inverse): idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("AssociateVpcWithProfile")
