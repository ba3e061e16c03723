"""Step action associate-vpc-with-zone: idempotent, audited, polled by the state machine."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import step_handler

lambda_handler = step_handler("AssociateVpcWithZone")
