"""The IAM roles of the templates, as CloudFormation would create them, in the twin's IAM.

SAM's translator (``samtranslator``, what ``sam deploy`` runs in CloudFormation's SAM transform) expands
each function's and state machine's ``Policies`` (policy templates, inline statements) into an
``AWS::IAM::Role``; plain ``AWS::IAM::Role`` / ``AWS::IAM::Policy`` resources are taken as they are.
Intrinsics are left to :class:`twin.deploy._Resolver`. AWS managed policies (``AWSLambdaBasicExecutionRole``,
X-Ray, VPC access: logs, traces and ENIs the twin does not model) are not attached.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twin.iam import enforce

_URI_KEYS = ("CodeUri", "DefinitionUri", "ContentUri")


@dataclass
class RoleSpec:
    logical_id: str
    name: str | None  # RoleName, when the template fixes it
    trust: Any
    policies: list[Any] = field(default_factory=list)  # {PolicyName, PolicyDocument} (or Fn::If), unresolved


@dataclass
class Roles:
    roles: dict[str, RoleSpec]
    owner: dict[str, str]  # function / state machine logical id -> role logical id


_cache: dict[str, Roles] = {}
_cache_lock = threading.Lock()


def translate(tpl: dict[str, Any], params: dict[str, Any], region: str) -> Roles:
    """The roles of a SAM template (cached per template and parameters: the translator takes ~1 s)."""
    key = hashlib.sha256(json.dumps([tpl, params, region], sort_keys=True, default=str).encode()).hexdigest()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = copy.deepcopy(tpl)
    for res in sam.get("Resources", {}).values():
        props = res.get("Properties") or {}
        for k in _URI_KEYS:
            if isinstance(props.get(k), str):  # what `sam package` does: local paths become S3 objects
                props[k] = "s3://twin-artifacts/" + props[k].strip("/")
    values = {k: v for k, v in params.items() if not k.startswith("AWS::")}
    session = boto3.session.Session(region_name=region)
    out = Translator(None, Parser(), boto_session=session).translate(
        sam, parameter_values=values, get_managed_policy_map=lambda: {}
    )
    resources: dict[str, Any] = out["Resources"]
    roles: dict[str, RoleSpec] = {}
    for lid, res in resources.items():
        if res["Type"] == "AWS::IAM::Role":
            props = res["Properties"]
            roles[lid] = RoleSpec(
                lid,
                props.get("RoleName"),
                props.get("AssumeRolePolicyDocument"),
                list(props.get("Policies", []) or []),
            )
    for res in resources.values():
        if res["Type"] == "AWS::IAM::Policy":
            props = res["Properties"]
            for role_ref in props.get("Roles", []):
                target = role_ref.get("Ref") if isinstance(role_ref, dict) else role_ref
                if target in roles:
                    roles[target].policies.append(
                        {"PolicyName": props["PolicyName"], "PolicyDocument": props["PolicyDocument"]}
                    )
    owner: dict[str, str] = {}
    for lid, res in resources.items():
        props = res.get("Properties") or {}
        ref = props.get("Role") if res["Type"] == "AWS::Lambda::Function" else None
        if res["Type"] == "AWS::StepFunctions::StateMachine":
            ref = props.get("RoleArn")
        if isinstance(ref, dict) and "Fn::GetAtt" in ref:
            target = ref["Fn::GetAtt"]
            owner[lid] = (target if isinstance(target, list) else str(target).split("."))[0]
    result = Roles(roles, owner)
    with _cache_lock:
        _cache[key] = result
    return result


def role_name(spec: RoleSpec, resolve: Callable[[Any], Any], stack: str) -> str:
    """The role's name: its RoleName, else what CloudFormation makes of the logical id."""
    if spec.name is not None:
        return str(resolve(spec.name))
    return f"{stack}-{spec.logical_id}"[:64]


def create(iam: Any, spec: RoleSpec, name: str, resolve: Callable[[Any], Any]) -> str:
    """Create one role (trust + inline policies) through ``iam`` (a moto IAM client). Returns its ARN."""
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(resolve(spec.trust)))[
            "Role"
        ]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(resolve(spec.trust)))
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    for item in spec.policies:
        policy = resolve(item)
        if not isinstance(policy, dict) or "PolicyName" not in policy:  # Ref AWS::NoValue
            continue
        doc = {"Version": "2012-10-17", **policy["PolicyDocument"]}  # SAM's policy templates name none
        try:
            iam.put_role_policy(
                RoleName=name,
                PolicyName=str(policy["PolicyName"]),
                PolicyDocument=json.dumps(doc),
            )
        except Exception as exc:
            raise ValueError(f"role {name}: policy {policy}: {exc}") from exc
    enforce(str(arn))
    return str(arn)


# -- Credentials of a role, as Lambda and Step Functions get them -----------------------------------------

_creds: dict[str, dict[str, str]] = {}
_creds_lock = threading.Lock()


def credentials(sts: Any, role_arn: str, session_name: str) -> dict[str, str]:
    """Credentials of a session of ``role_arn`` (one per role, reused like a warm Lambda's)."""
    with _creds_lock:
        hit = _creds.get(role_arn)
    if hit is not None:
        return hit
    c = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    creds = {
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }
    with _creds_lock:
        _creds[role_arn] = creds
    return creds


def forget_credentials() -> None:
    with _creds_lock:
        _creds.clear()
