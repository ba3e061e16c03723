"""ARNs: the AWS partitions and their Regions, IAM role ARNs, and the ARNs the tool builds. Pure (no boto3,
no pydantic): every function may import it."""

from __future__ import annotations

import re

# The AWS partitions and the Regions each holds (botocore's partitions.json: ``Session().get_available_partitions()``
# and each partition's ``regionRegex``). An IAM role lives in one partition and is assumed from that partition
# only ("You cannot use IAM credentials from one partition to interact with resources in a different
# partition": AWS Fault Isolation Boundaries, Partitions).
PARTITIONS: dict[str, str] = {
    "aws": r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+",
    "aws-cn": r"cn-\w+-\d+",
    "aws-us-gov": r"us-gov-\w+-\d+",
    "aws-iso": r"us-iso-\w+-\d+",
    "aws-iso-b": r"us-isob-\w+-\d+",
    "aws-iso-e": r"eu-isoe-\w+-\d+",
    "aws-iso-f": r"us-isof-\w+-\d+",
    "aws-eusc": r"eusc-de-\w+-\d+",
}
#: A Region name of a known partition, as a pattern (``re.fullmatch``; also the console schema's, anchored):
#: botocore's ``\w`` narrowed to what Region names are made of (lower-case letters and digits).
REGION_PATTERN = "(?:" + "|".join(p.replace(r"\w", "[a-z0-9]") for p in PARTITIONS.values()) + ")"
# IAM: a role name is 1-64 of [\w+=,.@-]; its path "/" or "/segments/" (at most 512 characters; we accept the
# segments of the same characters as names, the conservative reading of IAM's printable-ASCII path).
_ROLE_ARN = re.compile(
    r"^arn:(" + "|".join(sorted(PARTITIONS, key=len, reverse=True)) + r")"  # names of [a-z-] only
    r":iam::(\d{12}):role/((?:[\w+=,.@-]+/){0,32})([\w+=,.@-]{1,64})$"
)


def partition_of(region: str) -> str | None:
    """The partition whose Regions include ``region`` (None: no known partition)."""
    # the iso/gov patterns are more specific than "aws" (us-iso-east-1 also matches us-\w+-\d+)
    for name in sorted(PARTITIONS, key=lambda p: p == "aws"):
        if re.fullmatch(PARTITIONS[name], region):
            return name
    return None


def partition(region: str) -> str:
    """The partition for the ARNs of resources in ``region`` (``aws`` when the Region is of no known partition:
    the input's own validation refuses such a Region before any ARN is built)."""
    return partition_of(region) or "aws"


def is_region(name: str) -> bool:
    """A Region name of one of the :data:`PARTITIONS` (lower case, as AWS spells them)."""
    return re.fullmatch(REGION_PATTERN, name) is not None


def endpoint_arn(region: str, owner: str, endpoint_id: str) -> str:
    """An interface VPC endpoint's ARN (the resource a Profile associates)."""
    return f"arn:{partition(region)}:ec2:{region}:{owner}:vpc-endpoint/{endpoint_id}"


def zone_arn(region: str, zone_id: str) -> str:
    """A hosted zone's ARN (global service: no Region or account in it, only the partition)."""
    return f"arn:{partition(region)}:route53:::hostedzone/{zone_id.rsplit('/', 1)[-1]}"


def role_parts(arn: str) -> tuple[str, str, str] | None:
    """``(partition, account id, role name)`` of a well-formed IAM role ARN; None for anything else."""
    m = _ROLE_ARN.match(arn)
    if m is None or len(m.group(3)) + 1 > 512:
        return None
    return m.group(1), m.group(2), m.group(4)
