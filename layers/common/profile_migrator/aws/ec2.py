"""EC2 adapter: VPCs, their DNS attributes, interface endpoints (Private DNS, state, ENI IPs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .session import Account, paginate


def name_tag(tags: list[dict[str, str]] | None, default: str) -> str:
    for t in tags or []:
        if t.get("Key") == "Name" and t.get("Value"):
            return t["Value"]
    return default


def tags_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or [] if t.get("Key") != "Name"}


@dataclass
class VpcInfo:
    id: str
    name: str
    cidr: str
    owner: str
    dns_support: bool
    dns_hostnames: bool
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class EndpointInfo:
    id: str
    name: str
    vpc_id: str
    service_name: str
    private_dns: bool
    state: str
    owner: str
    dns_names: list[str] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)
    eni_ids: list[str] = field(default_factory=list)

    @property
    def service(self) -> str:
        """Short service name: ``com.amazonaws.us-east-1.ecr.api`` -> ``ecr.api``."""
        parts = self.service_name.split(".")
        return ".".join(parts[3:]) if len(parts) > 3 else self.service_name

    @property
    def regional_dns_name(self) -> str:
        for name in self.dns_names:
            if name.startswith("vpce-") and name.count(".") >= 4 and "-" in name.split(".")[0]:
                # the regional name has no AZ suffix: vpce-xxx-yyy.<service>.<region>.vpce.amazonaws.com
                first = name.split(".")[0]
                if first.count("-") == 2:
                    return name
        return self.dns_names[0] if self.dns_names else ""


_STATE = {
    "available": "Available",
    "pending": "Pending",
    "pendingacceptance": "PendingAcceptance",
    "deleting": "Deleting",
    "failed": "Failed",
    "rejected": "Rejected",
    "deleted": "Deleting",
}


def endpoint_state(raw: str) -> str:
    """EC2 reports ``available``/``pending``…; the scenario format uses ``Available``/``Pending``."""
    return _STATE.get(raw.lower(), raw)


def list_vpcs(acct: Account) -> list[VpcInfo]:
    ec2 = acct.client("ec2")
    out = []
    for v in paginate(ec2, "describe_vpcs", "Vpcs"):
        vid = v["VpcId"]
        sup = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
        host = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"][
            "Value"
        ]
        out.append(
            VpcInfo(
                vid,
                name_tag(v.get("Tags"), vid),
                v["CidrBlock"],
                v.get("OwnerId", ""),
                bool(sup),
                bool(host),
                tags_dict(v.get("Tags")),
            )
        )
    return out


def _endpoint(e: dict[str, Any]) -> EndpointInfo:
    return EndpointInfo(
        id=e["VpcEndpointId"],
        name=name_tag(e.get("Tags"), e["VpcEndpointId"]),
        vpc_id=e["VpcId"],
        service_name=e["ServiceName"],
        private_dns=bool(e.get("PrivateDnsEnabled")),
        state=endpoint_state(e.get("State", "")),
        owner=e.get("OwnerId", ""),
        dns_names=[d["DnsName"] for d in e.get("DnsEntries", []) if d.get("DnsName")],
        subnet_ids=list(e.get("SubnetIds", [])),
        eni_ids=list(e.get("NetworkInterfaceIds", [])),
    )


def list_interface_endpoints(acct: Account) -> list[EndpointInfo]:
    ec2 = acct.client("ec2")
    eps = paginate(
        ec2,
        "describe_vpc_endpoints",
        "VpcEndpoints",
        Filters=[{"Name": "vpc-endpoint-type", "Values": ["Interface"]}],
    )
    return [_endpoint(e) for e in eps if e.get("VpcEndpointType", "Interface") == "Interface"]


def get_endpoint(acct: Account, endpoint_id: str) -> EndpointInfo:
    resp = acct.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    return _endpoint(resp["VpcEndpoints"][0])


def endpoint_ips(acct: Account, endpoint: EndpointInfo) -> list[str]:
    if not endpoint.eni_ids:
        return []
    enis = acct.client("ec2").describe_network_interfaces(NetworkInterfaceIds=endpoint.eni_ids)
    return [n["PrivateIpAddress"] for n in enis["NetworkInterfaces"] if n.get("PrivateIpAddress")]


def set_private_dns(acct: Account, endpoint_id: str, enabled: bool) -> None:
    acct.client("ec2").modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=enabled)


def create_vpc(acct: Account, cidr: str, name: str, tags: dict[str, str] | None = None) -> str:
    """A VPC with both DNS attributes on (RES-11), tagged with its name."""
    ec2 = acct.client("ec2")
    all_tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    vid = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": all_tags}])[
        "Vpc"
    ]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    return str(vid)


def set_vpc_dns(acct: Account, vpc_id: str, support: bool, hostnames: bool) -> None:
    ec2 = acct.client("ec2")
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": support})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": hostnames})


def delete_vpc(acct: Account, vpc_id: str) -> None:
    acct.client("ec2").delete_vpc(VpcId=vpc_id)


def find_vpc_by_name(acct: Account, name: str) -> str | None:
    resp = acct.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])
    vpcs = resp.get("Vpcs", [])
    return vpcs[0]["VpcId"] if vpcs else None


def get_vpc(acct: Account, vpc_id: str) -> VpcInfo | None:
    """One VPC with its DNS attributes and tags; None when it does not exist (any more)."""
    from botocore.exceptions import ClientError

    from .session import error_code

    ec2 = acct.client("ec2")
    try:
        vpcs = ec2.describe_vpcs(VpcIds=[vpc_id]).get("Vpcs", [])
    except ClientError as exc:
        if error_code(exc) in ("InvalidVpcID.NotFound", "InvalidVpcID.Malformed"):
            return None
        raise
    if not vpcs:
        return None
    v = vpcs[0]
    sup = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
    host = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"][
        "Value"
    ]
    return VpcInfo(
        vpc_id,
        name_tag(v.get("Tags"), vpc_id),
        v["CidrBlock"],
        v.get("OwnerId", ""),
        bool(sup),
        bool(host),
        tags_dict(v.get("Tags")),
    )
