"""ARNs the tool builds carry the partition of the input's Region (a China or GovCloud estate must not be
addressed as ``arn:aws:``), and the Region names the input accepts are exactly those of known partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from profile_migrator import arns
from profile_migrator.models import MigrationInput
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "migration-input.schema.json").read_text())


def request(region: str) -> dict[str, object]:
    """The console's single-endpoint input in ``region``, its account reached without a role (no partition)."""
    doc = json.loads((ROOT / "examples" / "console" / "single-endpoint.json").read_text())
    doc["accounts"]["network"].pop("role_arn")
    return {**doc, "region": region}


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-3", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_arns_carry_the_partition_of_the_region(region: str, partition: str) -> None:
    assert arns.partition(region) == partition
    assert arns.endpoint_arn(region, "111111111111", "vpce-0abc").startswith(f"arn:{partition}:ec2:{region}:")
    assert arns.zone_arn(region, "/hostedzone/Z123") == f"arn:{partition}:route53:::hostedzone/Z123"


@pytest.mark.parametrize(
    "region", ["us-east-1", "cn-northwest-1", "us-gov-east-1", "eusc-de-east-1", "eu-isoe-west-1"]
)
def test_the_model_and_the_schema_accept_every_partitions_regions(region: str) -> None:
    assert MigrationInput.model_validate(request(region)).region == region
    assert not list(Draft202012Validator(SCHEMA).iter_errors(request(region)))


@pytest.mark.parametrize("region", ["US-EAST-1", "us_east_1", "xx-east-1", "us-east", "mars-north-1", ""])
def test_the_model_and_the_schema_refuse_what_is_no_region(region: str) -> None:
    with pytest.raises(ValidationError, match="region"):
        MigrationInput.model_validate(request(region))
    errors = list(Draft202012Validator(SCHEMA).iter_errors(request(region)))
    assert [list(e.path) for e in errors] == [["region"]]
