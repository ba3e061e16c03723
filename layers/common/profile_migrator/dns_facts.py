"""AWS's DNS facts the light functions need too (the onboarding's decision and probe plan), outside the
estate model so that they do without pydantic (issue 11: cold starts). :mod:`.estate` re-exports them."""

from __future__ import annotations

# Services whose private DNS name is not ``<service>.<region>.amazonaws.com`` (AWS's published names).
_DNS_NAME_EXCEPTIONS = {
    "ecr.api": "api.ecr.{region}.amazonaws.com",
    "ecr.dkr": "*.dkr.ecr.{region}.amazonaws.com",
    "execute-api": "*.execute-api.{region}.amazonaws.com",
    "s3": "*.s3.{region}.amazonaws.com",
}

# RES-12 / CP-6: a Profile association's priority, 100-9900, lower evaluated first; 100 when omitted.
MIN_PRIORITY, MAX_PRIORITY, DEFAULT_PRIORITY = 100, 9900, 100


def service_dns_name(service: str, region: str) -> str:
    """The private DNS name AWS gives an interface endpoint of ``service`` in ``region``."""
    template = _DNS_NAME_EXCEPTIONS.get(service, "{service}.{region}.amazonaws.com")
    return template.format(service=service, region=region)
