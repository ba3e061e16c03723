"""Route 53 Profiles adapter (``route53profiles``): Profiles, VPC associations, resource associations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .session import Account, paginate


@dataclass
class ProfileInfo:
    id: str
    arn: str
    name: str
    owner: str
    share_status: str = ""


@dataclass
class ProfileAssociation:
    id: str
    profile_id: str
    vpc_id: str
    status: str
    owner: str = ""
    priority: int = 100  # RES-12: lower evaluated first
    name: str = ""


def _association(a: dict[str, Any]) -> ProfileAssociation:
    return ProfileAssociation(
        a["Id"],
        a["ProfileId"],
        a["ResourceId"],
        a.get("Status", ""),
        a.get("OwnerId", ""),
        int(a.get("Priority", 100)),
        a.get("Name", ""),
    )


@dataclass
class ResourceAssociation:
    id: str
    profile_id: str
    resource_arn: str
    resource_type: str
    name: str
    status: str
    status_message: str = ""


def _rr(r: dict[str, Any]) -> ResourceAssociation:
    return ResourceAssociation(
        r["Id"],
        r["ProfileId"],
        r["ResourceArn"],
        r.get("ResourceType", ""),
        r.get("Name", ""),
        r.get("Status", ""),
        r.get("StatusMessage", ""),
    )


def _rp(acct: Account) -> Any:
    return acct.client("route53profiles")


def list_profiles(acct: Account) -> list[ProfileInfo]:
    out = []
    for p in paginate(_rp(acct), "list_profiles", "ProfileSummaries"):
        arn = p["Arn"]
        out.append(
            ProfileInfo(p["Id"], arn, p.get("Name", p["Id"]), arn.split(":")[4], p.get("ShareStatus", ""))
        )
    return out


def list_vpc_associations(acct: Account, profile_id: str | None = None) -> list[ProfileAssociation]:
    kwargs = {"ProfileId": profile_id} if profile_id else {}
    out = []
    for a in paginate(_rp(acct), "list_profile_associations", "ProfileAssociations", **kwargs):
        out.append(_association(a))
    return out


def list_resource_associations(acct: Account, profile_id: str) -> list[ResourceAssociation]:
    out = []
    for r in paginate(
        _rp(acct), "list_profile_resource_associations", "ProfileResourceAssociations", ProfileId=profile_id
    ):
        out.append(_rr(r))
    return out


def associate_vpc(
    acct: Account, profile_id: str, vpc_id: str, name: str, priority: int | None = None
) -> ProfileAssociation:
    """AssociateProfile — called by the VPC owner's account with the VPC id (CP-9); ``priority`` is required
    when the VPC already has another Profile (CP-6, RES-12)."""
    kwargs: dict[str, Any] = {} if priority is None else {"Priority": priority}
    a = _rp(acct).associate_profile(ProfileId=profile_id, ResourceId=vpc_id, Name=name[:64], **kwargs)
    return _association(a["ProfileAssociation"])


def disassociate_vpc(acct: Account, profile_id: str, vpc_id: str) -> None:
    _rp(acct).disassociate_profile(ProfileId=profile_id, ResourceId=vpc_id)


def get_vpc_association(acct: Account, association_id: str) -> ProfileAssociation:
    return _association(
        _rp(acct).get_profile_association(ProfileAssociationId=association_id)["ProfileAssociation"]
    )


def associate_resource(acct: Account, profile_id: str, resource_arn: str, name: str) -> ResourceAssociation:
    return _rr(
        _rp(acct).associate_resource_to_profile(
            ProfileId=profile_id, ResourceArn=resource_arn, Name=name[:64]
        )["ProfileResourceAssociation"]
    )


def disassociate_resource(acct: Account, profile_id: str, resource_arn: str) -> None:
    _rp(acct).disassociate_resource_from_profile(ProfileId=profile_id, ResourceArn=resource_arn)


def get_resource_association(acct: Account, association_id: str) -> ResourceAssociation:
    return _rr(
        _rp(acct).get_profile_resource_association(ProfileResourceAssociationId=association_id)[
            "ProfileResourceAssociation"
        ]
    )


def create_profile(acct: Account, name: str) -> ProfileInfo:
    p = _rp(acct).create_profile(Name=name, ClientToken=f"pm-{name}")["Profile"]
    return ProfileInfo(
        p["Id"], p["Arn"], p.get("Name", name), p["Arn"].split(":")[4], p.get("ShareStatus", "")
    )


def associations_of_vpc(acct: Account, vpc_id: str) -> list[ProfileAssociation]:
    """The Profile associations of one VPC, as its owner's account sees them (RES-1, CP-6: at most two live)."""
    out = []
    for a in paginate(_rp(acct), "list_profile_associations", "ProfileAssociations", ResourceId=vpc_id):
        out.append(_association(a))
    return out
