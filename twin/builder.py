"""Build a scenario's estate in the twin through ordinary boto3 calls (multi-account through STS).

Every resource carries its scenario name as its ``Name`` tag, which is how discovery names what it
finds. The builder returns the id maps (scenario name -> AWS id) that ``twin serve`` writes and the
rehearsal hands to the step functions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from profile_migrator import arns
from profile_migrator.actions import Context
from profile_migrator.aws import ec2 as ec2_adapter
from profile_migrator.aws import profiles as profiles_adapter
from profile_migrator.aws import ram as ram_adapter
from profile_migrator.aws import route53 as r53
from profile_migrator.aws.session import Account, assume_role
from profile_migrator.estate import DEFAULT_ZONE_MAX_VPCS, Scenario

from twin.moto_ext.route53_zones import set_zone_vpc_limit

TWIN_ROLE = "ProfileMigratorTwinAdmin"


def role_arn(account_id: str, role: str = TWIN_ROLE) -> str:
    return f"arn:aws:iam::{account_id}:role/{role}"


@dataclass
class Built:
    accounts: dict[str, Account]
    account_ids: dict[str, str]
    vpcs: dict[str, str] = field(default_factory=dict)
    subnets: dict[str, list[str]] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    profile_arns: dict[str, str] = field(default_factory=dict)
    endpoint_accounts: dict[str, str] = field(default_factory=dict)

    def context(self, region: str) -> Context:
        return Context(
            region=region,
            accounts=self.accounts,
            vpcs=dict(self.vpcs),
            endpoints=dict(self.endpoints),
            zones=dict(self.zones),
            profiles=dict(self.profiles),
            account_ids=dict(self.account_ids),
            endpoint_accounts=dict(self.endpoint_accounts),
        )


def connect_accounts(base: Account, scn: Scenario) -> dict[str, Account]:
    """One :class:`Account` per scenario alias, through STS AssumeRole (CP-9: each acts as itself)."""
    return {alias: assume_role(base, role_arn(aid), f"twin-{alias}") for alias, aid in scn.accounts.items()}


def _subnet_cidrs(cidr: str) -> list[str]:
    net = ipaddress.IPv4Network(cidr)
    if net.prefixlen >= 27:
        return [str(net)]
    return [str(s) for s in list(net.subnets(prefixlen_diff=2))[:2]]


def build(scn: Scenario, base: Account, accounts: dict[str, Account] | None = None) -> Built:
    """Create the scenario's estate. Returns the id maps."""
    accounts = accounts or connect_accounts(base, scn)
    built = Built(accounts=accounts, account_ids=dict(scn.accounts))
    region = scn.region
    for acct in accounts.values():
        _delete_default_vpcs(acct)
    for name, vpc in scn.vpcs.items():
        acct = accounts[vpc.account]
        vid = ec2_adapter.create_vpc(acct, vpc.cidr, name, vpc.tags)
        ec2_adapter.set_vpc_dns(acct, vid, vpc.dns_support, vpc.dns_hostnames)
        built.vpcs[name] = vid
        subnets = []
        for i, cidr in enumerate(_subnet_cidrs(vpc.cidr)):
            sn = acct.client("ec2").create_subnet(
                VpcId=vid, CidrBlock=cidr, AvailabilityZone=f"{region}{'abc'[i]}"
            )
            subnets.append(sn["Subnet"]["SubnetId"])
        built.subnets[name] = subnets
    for name, ep in scn.endpoints.items():
        alias = scn.vpcs[ep.vpc].account
        acct = accounts[alias]
        resp = acct.client("ec2").create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=built.vpcs[ep.vpc],
            ServiceName=f"com.amazonaws.{region}.{ep.service}",
            SubnetIds=built.subnets[ep.vpc],
            PrivateDnsEnabled=ep.private_dns,
            TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": name}]}],
        )
        built.endpoints[name] = resp["VpcEndpoint"]["VpcEndpointId"]
        built.endpoint_accounts[name] = alias
    for name, zone in scn.hosted_zones.items():
        zacct = accounts[zone.account]
        own = [v for v in zone.vpcs if scn.vpcs[v].account == zone.account]
        first = own[0] if own else None
        holder = None
        if first is None:
            # A private zone needs a VPC of its own account at creation (the scenario has none).
            holder = ec2_adapter.create_vpc(zacct, "100.69.0.0/28", f"twin-holder-{name}")
            first_id = holder
        else:
            first_id = built.vpcs[first]
        zid = r53.create_private_zone(zacct, zone.name, first_id, region, name, f"twin-{name}")
        built.zones[name] = zid
        if zone.max_vpcs != DEFAULT_ZONE_MAX_VPCS:
            set_zone_vpc_limit(zid, zone.max_vpcs)  # as if the quota had been changed on request
        for vpc_name in zone.vpcs:
            if vpc_name == first:
                continue
            vacct_alias = scn.vpcs[vpc_name].account
            if vacct_alias != zone.account:
                r53.authorize_vpc(zacct, zid, built.vpcs[vpc_name], region)  # CP-9
            r53.associate_vpc(accounts[vacct_alias], zid, built.vpcs[vpc_name], region)
        if holder is not None and zone.vpcs:
            r53.disassociate_vpc(zacct, zid, holder, region)
        for rec in zone.records:
            body: dict[str, Any]
            if rec.alias_to is not None:
                info = ec2_adapter.get_endpoint(
                    accounts[built.endpoint_accounts[rec.alias_to]], built.endpoints[rec.alias_to]
                )
                target = info.regional_dns_name
                body = r53.alias_record(rec.name, target, _endpoint_zone_id(accounts, built, rec.alias_to))
                body["Type"] = rec.type
            else:
                body = {
                    "Name": rec.name,
                    "Type": rec.type,
                    "TTL": rec.ttl or 300,
                    "ResourceRecords": [{"Value": v} for v in rec.values or []],
                }
            r53.change_record(zacct, zid, "CREATE", body)
    for name, prof in scn.profiles.items():
        pacct = accounts[prof.account]
        prof_info = profiles_adapter.create_profile(pacct, name)
        pacct.client("route53profiles").tag_resource(ResourceArn=prof_info.arn, Tags={"Name": name})
        built.profiles[name] = prof_info.id
        built.profile_arns[name] = prof_info.arn
        if prof.shared_with:
            ram_adapter.share_with_accounts(
                pacct, f"{name}-share", prof_info.arn, [scn.accounts[a] for a in prof.shared_with]
            )
        for vpc_name, prio in prof.priorities.items():
            # CP-9: the VPC owner's account associates its own VPC with the (shared) Profile; RES-12: at the
            # scenario's priority (given only when not the default, so a lone association looks as AWS makes it).
            profiles_adapter.associate_vpc(
                accounts[scn.vpcs[vpc_name].account],
                prof_info.id,
                built.vpcs[vpc_name],
                vpc_name,
                prio if prio != 100 or len(scn.profiles_of_vpc(vpc_name)) > 1 else None,
            )
        for zone_name in prof.hosted_zones:
            zone_arn = arns.zone_arn(region, built.zones[zone_name])
            profiles_adapter.associate_resource(pacct, prof_info.id, zone_arn, zone_name)
        for ep_name in prof.endpoints:
            owner = scn.account_id(built.endpoint_accounts[ep_name])
            arn = arns.endpoint_arn(region, owner, built.endpoints[ep_name])
            profiles_adapter.associate_resource(pacct, prof_info.id, arn, ep_name)
    return built


def _endpoint_zone_id(accounts: dict[str, Account], built: Built, endpoint: str) -> str:
    acct = accounts[built.endpoint_accounts[endpoint]]
    resp = acct.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[built.endpoints[endpoint]])
    for entry in resp["VpcEndpoints"][0].get("DnsEntries", []):
        if entry.get("HostedZoneId"):
            return str(entry["HostedZoneId"])
    return "Z7HUB22UULQXV"  # the regional vpce zone id AWS uses in us-east-1


def _delete_default_vpcs(acct: Account) -> None:
    """The twin holds exactly the scenario's estate: moto's default VPCs go."""
    ec2 = acct.client("ec2")
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]:
        vid = vpc["VpcId"]
        for sn in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=sn["SubnetId"])
        for igw in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vid]}])[
            "InternetGateways"
        ]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vid)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vid)
