"""Step action disassociate-vpc-from-zone: idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("DisassociateVpcFromZone")
