"""Route 53 adapter: private hosted zones, their VPC associations and records, changes (AS-3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .session import Account, paginate


@dataclass
class ZoneInfo:
    id: str  # bare id: Z…
    name: str  # without the trailing dot
    owner: str
    vpcs: list[tuple[str, str]] = field(default_factory=list)  # (vpc id, region)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def tag_name(self) -> str:
        return self.tags.get("Name", self.id)


@dataclass
class RecordInfo:
    name: str
    type: str
    alias_target: str | None = None  # DNS name of the alias target, lower case, no trailing dot
    alias_zone_id: str | None = None
    values: list[str] = field(default_factory=list)
    ttl: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def bare_zone_id(zone_id: str) -> str:
    return zone_id.rsplit("/", 1)[-1]


def _r53(acct: Account) -> Any:
    return acct.client("route53")


def list_private_zones(acct: Account) -> list[ZoneInfo]:
    out = []
    for z in paginate(_r53(acct), "list_hosted_zones", "HostedZones"):
        if not z.get("Config", {}).get("PrivateZone"):
            continue
        out.append(get_zone(acct, z["Id"]))
    return out


def get_zone(acct: Account, zone_id: str) -> ZoneInfo:
    r53 = _r53(acct)
    resp = r53.get_hosted_zone(Id=bare_zone_id(zone_id))
    hz = resp["HostedZone"]
    zid = bare_zone_id(hz["Id"])
    tags_resp = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zid)
    tags = {t["Key"]: t["Value"] for t in tags_resp.get("ResourceTagSet", {}).get("Tags", [])}
    vpcs = [(v["VPCId"], v["VPCRegion"]) for v in resp.get("VPCs", [])]
    return ZoneInfo(zid, hz["Name"].rstrip(".").lower(), acct.id(), vpcs, tags)


def list_records(acct: Account, zone_id: str) -> list[RecordInfo]:
    out = []
    for r in paginate(
        _r53(acct), "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=bare_zone_id(zone_id)
    ):
        alias = r.get("AliasTarget")
        out.append(
            RecordInfo(
                name=r["Name"].rstrip(".").lower(),
                type=r["Type"],
                alias_target=alias["DNSName"].rstrip(".").lower() if alias else None,
                alias_zone_id=alias.get("HostedZoneId") if alias else None,
                values=[v["Value"] for v in r.get("ResourceRecords", [])],
                ttl=r.get("TTL"),
                raw=r,
            )
        )
    return out


def create_private_zone(acct: Account, name: str, vpc_id: str, region: str, tag_name: str, ref: str) -> str:
    return create_tagged_zone(acct, name, vpc_id, region, tag_name, ref)[0]


def create_tagged_zone(
    acct: Account,
    name: str,
    vpc_id: str,
    region: str,
    tag_name: str,
    ref: str,
    tags: dict[str, str] | None = None,
) -> tuple[str, str]:
    """CreateHostedZone (private, with its first VPC), then its tags (``Name`` = ``tag_name``). Returns the
    zone id and the creation's change id (AS-3)."""
    r53 = _r53(acct)
    resp = r53.create_hosted_zone(
        Name=name,
        CallerReference=ref,
        VPC={"VPCRegion": region, "VPCId": vpc_id},
        HostedZoneConfig={"Comment": f"{tag_name} (profile-migrator)", "PrivateZone": True},
    )
    zid = bare_zone_id(resp["HostedZone"]["Id"])
    add = [{"Key": "Name", "Value": tag_name}] + [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid, AddTags=add)
    return zid, str(resp["ChangeInfo"]["Id"])


def find_tagged_zone(acct: Account, tag_name: str, tag_key: str) -> ZoneInfo | None:
    """The private zone of this account whose ``Name`` tag is ``tag_name`` and that carries ``tag_key``."""
    for z in list_private_zones(acct):
        if z.tags.get("Name") == tag_name and tag_key in z.tags:
            return z
    return None


def associate_vpc(acct: Account, zone_id: str, vpc_id: str, region: str) -> str:
    """AssociateVPCWithHostedZone, called by the VPC's account (CP-9, CP-10). Returns the change id."""
    resp = _r53(acct).associate_vpc_with_hosted_zone(
        HostedZoneId=bare_zone_id(zone_id), VPC={"VPCRegion": region, "VPCId": vpc_id}
    )
    return str(resp["ChangeInfo"]["Id"])


def disassociate_vpc(acct: Account, zone_id: str, vpc_id: str, region: str) -> str:
    resp = _r53(acct).disassociate_vpc_from_hosted_zone(
        HostedZoneId=bare_zone_id(zone_id), VPC={"VPCRegion": region, "VPCId": vpc_id}
    )
    return str(resp["ChangeInfo"]["Id"])


def authorize_vpc(acct: Account, zone_id: str, vpc_id: str, region: str) -> None:
    """CreateVPCAssociationAuthorization in the zone's account (CP-9)."""
    _r53(acct).create_vpc_association_authorization(
        HostedZoneId=bare_zone_id(zone_id), VPC={"VPCRegion": region, "VPCId": vpc_id}
    )


def revoke_vpc(acct: Account, zone_id: str, vpc_id: str, region: str) -> None:
    _r53(acct).delete_vpc_association_authorization(
        HostedZoneId=bare_zone_id(zone_id), VPC={"VPCRegion": region, "VPCId": vpc_id}
    )


def change_record(acct: Account, zone_id: str, action: str, record: dict[str, Any]) -> str:
    resp = _r53(acct).change_resource_record_sets(
        HostedZoneId=bare_zone_id(zone_id),
        ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record}]},
    )
    return str(resp["ChangeInfo"]["Id"])


def alias_record(name: str, target_dns: str, target_zone_id: str) -> dict[str, Any]:
    """An alias A record to an endpoint's regional DNS name (RES-8)."""
    return {
        "Name": name,
        "Type": "A",
        "AliasTarget": {"HostedZoneId": target_zone_id, "DNSName": target_dns, "EvaluateTargetHealth": False},
    }


def vpc_limit(acct: Account, zone_id: str) -> int | None:
    """GetHostedZoneLimit MAX_VPCS_ASSOCIATED_BY_ZONE (Q-1); None when it cannot be read (e.g. no permission)."""
    try:
        resp = _r53(acct).get_hosted_zone_limit(
            Type="MAX_VPCS_ASSOCIATED_BY_ZONE", HostedZoneId=bare_zone_id(zone_id)
        )
    except ClientError:  # a read that helps (e.g. AccessDenied): the scenario then keeps the default
        return None
    return int(resp["Limit"]["Value"])


def delete_zone(acct: Account, zone_id: str) -> str:
    resp = _r53(acct).delete_hosted_zone(Id=bare_zone_id(zone_id))
    return str(resp["ChangeInfo"]["Id"])


def change_status(acct: Account, change_id: str) -> str:
    """PENDING or INSYNC (AS-3)."""
    return str(_r53(acct).get_change(Id=change_id.rsplit("/", 1)[-1])["ChangeInfo"]["Status"])


def zones_by_vpc(acct: Account, vpc_id: str, region: str) -> list[dict[str, Any]]:
    resp = _r53(acct).list_hosted_zones_by_vpc(VPCId=vpc_id, VPCRegion=region)
    return list(resp.get("HostedZoneSummaries", []))
