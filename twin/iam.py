"""IAM in the twin: every AWS call of a function runs with its role, evaluated against the role's policies.

* The roles come from the templates through SAM's own translator (:func:`translate_roles`): policy
  templates (``S3ReadPolicy``, ``LambdaInvokePolicy``, …) and inline statements become the
  ``AWS::IAM::Role`` / ``AWS::IAM::Policy`` resources CloudFormation would create; the twin creates them
  in moto's IAM (:func:`create_roles`).
* A principal is a session of such a role (an ``sts:AssumeRole`` the twin made for a function, or one a
  function made itself). Calls with any other credentials (the twin's own admin sessions, the
  operator's or a test's own roles) are not evaluated: they are the twin, not the project.
* moto's own evaluator (``moto/iam/access_control.py``) checks actions only, matches resources against
  ``*``, treats an unmet condition as an explicit deny and compares trust principals as strings. The twin
  replaces the check (``ActionAuthenticatorMixin._authenticate_and_authorize_action``) with the AWS
  evaluation logic for identity policies: an explicit ``Deny`` wins, else an ``Allow`` whose action,
  resource and conditions all match, else an implicit deny. ``sts:AssumeRole`` also needs the target
  role's trust policy (principal by role ARN, account root or ``*``; its conditions). The resource ARN
  and the condition keys are derived from the request (:func:`_resource_of`, :func:`_context_of`); a
  condition key the twin cannot derive is taken as satisfied and recorded in :data:`UNEVALUATED_KEYS`
  (docs/twin.md lists them). Resource-based policies (bucket, queue, topic policies) are not evaluated.

A denied call answers ``AccessDenied`` naming the role session and the action, as AWS does.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from twin.config import get_settings

#: The twin's own roles (the builder's per-account admin): never evaluated.
ADMIN_ROLES = frozenset({"ProfileMigratorTwinAdmin"})
#: The organisation every scenario account belongs to in the twin (aws:PrincipalOrgID).
ORGANIZATION_ID = "o-twin0000000"

#: Condition keys a template used that the twin could not derive (taken as satisfied).
UNEVALUATED_KEYS: set[str] = set()

# S3 and Lambda operations whose IAM action has another name.
_ACTION_NAMES = {
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "GetObjectAcl"): "GetObjectAcl",
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
}


@dataclass(frozen=True)
class Principal:
    role_arn: str
    session: str

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def session_arn(self) -> str:
        return f"arn:aws:sts::{self.account}:assumed-role/{self.role_name}/{self.session}"


_lock = threading.Lock()
_sessions: dict[str, Principal] = {}  # access key id -> role session
_enforced: set[str] = set()  # ARNs of the roles deployed from the templates (the only ones evaluated)


def enforce(role_arn: str) -> None:
    """Evaluate the calls of this role's sessions (a role the twin deployed from a template)."""
    with _lock:
        _enforced.add(role_arn)


_installed = False
_evaluated: dict[str, int] = {}  # action -> calls evaluated (since reset)


def evaluated() -> dict[str, int]:
    """Calls evaluated per action since the last :func:`reset` (what a rehearsal's roles did)."""
    with _lock:
        return dict(_evaluated)


def principal_of(access_key_id: str) -> Principal | None:
    """The template role session these credentials belong to (None: not a template role's)."""
    with _lock:
        found = _sessions.get(access_key_id)
        return found if found is not None and found.role_arn in _enforced else None


def reset() -> None:
    with _lock:
        _sessions.clear()
        _enforced.clear()
        _evaluated.clear()


# --------------------------------------------------------------------------------------------------
# Policy evaluation (AWS's logic for identity policies, trust policies and their conditions)


def _match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run, ``?`` one character (no other specials)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _action_matches(patterns: Any, action: str) -> bool:
    return any(_match(str(p), action, ignore_case=True) for p in _as_list(patterns))


def _resource_matches(patterns: Any, resources: list[str] | None) -> bool:
    if resources is None:  # the twin could not name the resource: the action decides
        return True
    return all(any(_match(str(p), r) for p in _as_list(patterns)) for r in resources)


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda v, p: v == p,
    "StringNotEquals": lambda v, p: v != p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringNotEqualsIgnoreCase": lambda v, p: v.lower() != p.lower(),
    "StringLike": lambda v, p: _match(p, v),
    "StringNotLike": lambda v, p: not _match(p, v),
    "ArnEquals": lambda v, p: v == p,
    "ArnLike": lambda v, p: _match(p, v),
    "ArnNotEquals": lambda v, p: v != p,
    "ArnNotLike": lambda v, p: not _match(p, v),
    "Bool": lambda v, p: v.lower() == p.lower(),
}


def _condition_holds(op: str, key: str, expected: Any, context: dict[str, list[str]]) -> bool:
    qualifier = ""
    if ":" in op:
        qualifier, op = op.split(":", 1)
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    wanted = [str(x).lower() if isinstance(x, bool) else str(x) for x in _as_list(expected)]
    lookup = {k.lower(): v for k, v in context.items()}
    if key.lower() not in lookup:
        if op == "Null":
            return "true" in [w.lower() for w in wanted]
        if _known_key(key):
            # Missing: false for a plain operator, true with IfExists or ForAllValues (AWS).
            return if_exists or qualifier == "ForAllValues"
        UNEVALUATED_KEYS.add(key)
        return True
    values = lookup[key.lower()]
    if op == "Null":
        return "false" in [w.lower() for w in wanted]
    test = _OPERATORS.get(op)
    if test is None:
        UNEVALUATED_KEYS.add(f"{op} {key}")
        return True
    negated = "Not" in op
    if qualifier == "ForAllValues":
        return all(any(test(v, w) for w in wanted) for v in values)
    if qualifier == "ForAnyValue" or not negated:
        return any(test(v, w) for v in values for w in wanted)
    return all(test(v, w) for v in values for w in wanted)  # a negated operator: no value may match


_KNOWN_PREFIXES = ("aws:RequestTag/", "aws:ResourceTag/")
_KNOWN_KEYS = {
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:tagkeys",
    "ec2:createaction",
    "route53:changeresourcerecordsetsnormalizedrecordnames",
    "route53:changeresourcerecordsetsrecordtypes",
    "route53:changeresourcerecordsetsactions",
}


def _known_key(key: str) -> bool:
    """A key the twin derives for the requests where AWS sets it (absent elsewhere, as on AWS)."""
    return key.lower() in _KNOWN_KEYS or key.startswith(_KNOWN_PREFIXES)


def _conditions_hold(conditions: dict[str, Any] | None, context: dict[str, list[str]]) -> bool:
    for op, pairs in (conditions or {}).items():
        for key, expected in pairs.items():
            if not _condition_holds(op, key, expected, context):
                return False
    return True


def evaluate(
    documents: list[dict[str, Any]],
    action: str,
    resources: list[str] | None,
    context: dict[str, list[str]],
) -> str:
    """ "Deny" (explicit), "Allow", or "" (implicit deny) for identity policy documents."""
    allowed = False
    for doc in documents:
        for st in _as_list(doc.get("Statement")):
            if "NotAction" in st:
                if _action_matches(st["NotAction"], action):
                    continue
            elif not _action_matches(st.get("Action"), action):
                continue
            if "NotResource" in st:
                if resources is not None and _resource_matches(st["NotResource"], resources):
                    continue
            elif not _resource_matches(st.get("Resource", "*"), resources):
                continue
            if not _conditions_hold(st.get("Condition"), context):
                continue
            if st.get("Effect") == "Deny":
                return "Deny"
            allowed = True
    return "Allow" if allowed else ""


def trusts(document: dict[str, Any], caller: Principal, context: dict[str, list[str]]) -> bool:
    """Whether a role's trust policy lets ``caller`` (a role session) assume it."""
    allowed = False
    for st in _as_list(document.get("Statement")):
        if not _action_matches(st.get("Action"), "sts:AssumeRole"):
            continue
        principal = st.get("Principal")
        aws = _as_list(principal.get("AWS")) if isinstance(principal, dict) else _as_list(principal)
        names = {caller.role_arn, f"arn:aws:iam::{caller.account}:root", caller.account, "*"}
        if not any(str(p) in names for p in aws):
            continue
        if not _conditions_hold(st.get("Condition"), context):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


# --------------------------------------------------------------------------------------------------
# What a request is: action, resource ARNs, condition keys


@dataclass
class Request:
    service: str
    operation: str
    account: str  # the account the request acts in (its credentials')
    region: str
    params: dict[str, Any]
    path: str
    body: str

    @property
    def action(self) -> str:
        return f"{self.service}:{_ACTION_NAMES.get((self.service, self.operation), self.operation)}"


def _params(response: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (getattr(response, "querystring", None) or {}).items():
        out[k] = v[0] if isinstance(v, list) and len(v) == 1 else v
    body = getattr(response, "body", None)
    params = getattr(response, "params", None)  # moto's parsed parameters, when the service has them
    if isinstance(params, dict):
        out.update(params)
    if isinstance(body, dict):
        out.update(body)
        return out
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.startswith("{"):
        try:
            loaded = json.loads(body)
        except json.JSONDecodeError:
            loaded = None
        if isinstance(loaded, dict):
            out.update(loaded)
    return out


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _route53_resource(path: str) -> list[str] | None:
    parts = [unquote(p) for p in path.split("?")[0].split("/") if p]
    for kind, arn_kind in (
        ("hostedzone", "hostedzone"),
        ("change", "change"),
        ("hostedzonelimit", "hostedzone"),
    ):
        if kind in parts and parts.index(kind) + 1 < len(parts):
            return [f"arn:aws:route53:::{arn_kind}/{parts[parts.index(kind) + 1]}"]
    if "tags" in parts and parts.index("tags") + 2 < len(parts):
        return [f"arn:aws:route53:::hostedzone/{parts[parts.index('tags') + 2]}"]
    return None


def _ec2_id_arn(rid: str, region: str, account: str) -> str:
    kinds = {"vpc-": "vpc", "vpce-": "vpc-endpoint", "subnet-": "subnet", "sg-": "security-group"}
    for prefix, kind in sorted(kinds.items(), key=lambda kv: -len(kv[0])):
        if rid.startswith(prefix):
            return _arn("ec2", region, account, f"{kind}/{rid}")
    return _arn("ec2", region, account, rid)


def _numbered(params: dict[str, Any], prefix: str) -> list[str]:
    """``Prefix.1``, ``Prefix.2``, … of a query request."""
    return [str(v) for k, v in sorted(params.items()) if re.fullmatch(re.escape(prefix) + r"\.\d+", k)]


def _resource_of(req: Request) -> list[str] | None:
    """The resource ARNs of a request, or None when the twin cannot name them (action-level check)."""
    p, region, account = req.params, req.region, req.account
    s, op = req.service, req.operation
    if s == "sts" and op == "AssumeRole":
        return [str(p["RoleArn"])]
    if s == "lambda" and op in ("Invoke", "InvokeAsync"):
        name = unquote(req.path.split("?")[0].rstrip("/").rsplit("/", 2)[-2])
        if name.startswith("arn:"):
            return [":".join(name.split(":")[:7])]
        return [_arn("lambda", region, account, f"function:{name}")]
    if s == "dynamodb" and "TableName" in p:
        return [_arn("dynamodb", region, account, f"table/{p['TableName']}")]
    if s == "states":
        for key in ("stateMachineArn", "executionArn"):
            if key in p:
                return [str(p[key])]
        return None
    if s == "route53":
        return _route53_resource(req.path)
    if s == "ec2":
        if op == "CreateVpc":
            return [_arn("ec2", region, account, "vpc/*")]
        if op == "CreateTags":
            return [_ec2_id_arn(r, region, account) for r in _numbered(p, "ResourceId")]
        ids = _numbered(p, "VpcEndpointId") or ([str(p["VpcEndpointId"])] if "VpcEndpointId" in p else [])
        if "VpcId" in p:
            ids.append(str(p["VpcId"]))
        if ids and not op.startswith("Describe"):
            return [_ec2_id_arn(i, region, account) for i in ids]
        return None
    if s == "route53profiles":
        pid = p.get("ProfileId") or _path_id(req.path, "profileid")
        if pid and str(pid).startswith("rp-"):
            return [_profile_arn(str(pid), account, region)]
        return None
    if s == "ssm":
        param = p.get("Path") or p.get("Name")
        if param:
            return [_arn("ssm", region, account, "parameter/" + str(param).strip("/"))]
        return None
    if s == "secretsmanager" and "SecretId" in p:
        sid = str(p["SecretId"])
        return [
            sid if sid.startswith("arn:") else _arn("secretsmanager", region, account, f"secret:{sid}-XXXXXX")
        ]
    if s == "sns" and "TopicArn" in p:
        return [str(p["TopicArn"])]
    return None


def _path_id(path: str, kind: str) -> str | None:
    parts = [unquote(x) for x in path.split("?")[0].split("/") if x]
    lower = [x.lower() for x in parts]
    return parts[lower.index(kind) + 1] if kind in lower and lower.index(kind) + 1 < len(parts) else None


def _profile_arn(profile_id: str, account: str, region: str) -> str:
    """A Profile's ARN names its owner's account (the Profile may be shared with the caller)."""
    from twin.moto_ext.route53profiles import route53profiles_backends

    try:
        profile = route53profiles_backends[account][region]._find_profile(profile_id)
    except Exception:
        profile = None
    if profile is not None:
        return str(profile.arn)
    return _arn("route53profiles", region, account, f"profile/{profile_id}")


def _request_tags(req: Request) -> dict[str, str]:
    p = req.params
    tags: dict[str, str] = {}
    for k, v in p.items():
        m = re.fullmatch(r"(?:TagSpecification\.\d+\.)?Tag\.(\d+)\.Key", k)
        if m:
            prefix = k[: -len("Key")]
            tags[str(v)] = str(p.get(prefix + "Value", ""))
    if req.service == "route53" and "<AddTags>" in req.body:
        root = ET.fromstring(req.body)
        for tag in root.iter():
            if tag.tag.endswith("Tag"):
                key = next((c.text for c in tag if c.tag.endswith("Key")), None)
                val = next((c.text for c in tag if c.tag.endswith("Value")), "")
                if key:
                    tags[key] = val or ""
    return tags


def _resource_tags(req: Request) -> dict[str, str]:
    if req.service != "ec2":
        return {}
    vpc_id = req.params.get("VpcId")
    if not vpc_id:
        return {}
    from moto.ec2.models import ec2_backends

    try:
        backend = ec2_backends[req.account][req.region]
        return {t["key"]: t["value"] for t in backend.describe_tags(filters={"resource-id": [vpc_id]})}
    except Exception:
        return {}


def _record_changes(body: str) -> tuple[list[str], list[str], list[str]]:
    """(normalized record names, types, actions) of a ChangeResourceRecordSets request."""
    names: list[str] = []
    types: list[str] = []
    actions: list[str] = []
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return names, types, actions
    for change in root.iter():
        if not change.tag.endswith("}Change") and change.tag != "Change":
            continue
        for child in change.iter():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "Action" and child.text:
                actions.append(child.text)
            elif tag == "Name" and child.text and child.text not in names:
                names.append(child.text.lower().rstrip("."))
            elif tag == "Type" and child.text:
                types.append(child.text)
    return names, types, actions


def _context_of(req: Request, caller: Principal) -> dict[str, list[str]]:
    ctx: dict[str, list[str]] = {
        "aws:PrincipalArn": [caller.role_arn],
        "aws:PrincipalAccount": [caller.account],
        "aws:PrincipalOrgID": [ORGANIZATION_ID],
    }
    tags = _request_tags(req)
    if tags:
        ctx["aws:TagKeys"] = list(tags)
        for k, v in tags.items():
            ctx[f"aws:RequestTag/{k}"] = [v]
    for k, v in _resource_tags(req).items():
        ctx[f"aws:ResourceTag/{k}"] = [v]
    if req.service == "route53" and req.operation == "ChangeResourceRecordSets":
        names, types, actions = _record_changes(req.body)
        ctx["route53:ChangeResourceRecordSetsNormalizedRecordNames"] = names
        ctx["route53:ChangeResourceRecordSetsRecordTypes"] = types
        ctx["route53:ChangeResourceRecordSetsActions"] = actions
    return ctx


# --------------------------------------------------------------------------------------------------
# The check


class Denied(Exception):
    def __init__(self, caller: Principal, action: str, resource: str | None) -> None:
        self.caller, self.action, self.resource = caller, action, resource
        on = f" on resource: {resource}" if resource else ""
        super().__init__(
            f"User: {caller.session_arn} is not authorized to perform: {action}{on} "
            "because no identity-based policy allows the action"
        )


def _documents(account: str, role_name: str) -> list[dict[str, Any]]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    try:
        role = backend.get_role(role_name)
    except Exception:
        return []
    docs: list[dict[str, Any]] = []
    for doc in role.policies.values():
        docs.append(json.loads(doc) if isinstance(doc, str) else doc)
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.is_default), None)
        if version is not None:
            d = version.document
            docs.append(json.loads(d) if isinstance(d, str) else d)
    return docs


def _trust_document(role_arn: str) -> dict[str, Any] | None:
    from moto.iam.models import iam_backends

    account = role_arn.split(":")[4]
    try:
        role = iam_backends[account]["aws"].get_role(role_arn.rsplit("/", 1)[-1])
    except Exception:
        return None
    doc = role.assume_role_policy_document
    loaded = json.loads(doc) if isinstance(doc, str) else doc
    return loaded if isinstance(loaded, dict) else None


def check(req: Request, caller: Principal, resources_hint: list[str] | None = None) -> None:
    """Raise :class:`Denied` unless the caller's role may make this request (``resources_hint``: the
    resource moto named, S3's bucket or object)."""
    action = req.action
    with _lock:
        _evaluated[action] = _evaluated.get(action, 0) + 1
    if action == "sts:GetCallerIdentity":  # always allowed (AWS)
        return
    resources = resources_hint or _resource_of(req)
    context = _context_of(req, caller)
    docs = _documents(caller.account, caller.role_name)
    first = resources[0] if resources else None
    if evaluate(docs, action, resources, context) != "Allow":
        raise Denied(caller, action, first)
    tags = _request_tags(req)
    if req.service == "ec2" and req.operation.startswith("Create") and req.operation != "CreateTags" and tags:
        # Tags on create are authorised as ec2:CreateTags with ec2:CreateAction (AWS).
        tag_ctx = {**context, "ec2:CreateAction": [req.operation]}
        if evaluate(docs, "ec2:CreateTags", resources, tag_ctx) != "Allow":
            raise Denied(caller, "ec2:CreateTags", first)
    if action == "sts:AssumeRole" and resources:
        trust = _trust_document(resources[0])
        if trust is None or not trusts(trust, caller, context):
            raise Denied(caller, action, first)


def request_of(response: Any, operation: str | None = None) -> tuple[Request, str] | None:
    """The request a moto response object is handling, and its access key id."""
    headers = getattr(response, "headers", {}) or {}
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    scope = auth.partition("Credential=")[2].partition(",")[0].split("/")
    if len(scope) < 4:
        return None
    body = getattr(response, "body", "") or ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str):
        body = json.dumps(body, default=str)
    op = operation or response._get_action()
    if isinstance(op, list):
        op = op[0]
    req = Request(
        service=scope[3],
        operation=str(op or ""),
        account=str(getattr(response, "current_account", "")),
        region=scope[2],
        params=_params(response),
        path=str(getattr(response, "path", "") or getattr(response, "raw_path", "") or ""),
        body=body,
    )
    return req, scope[0]


def install() -> None:
    """Hook the twin's check into moto (idempotent); it runs while ``TwinSettings.iam`` is on."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.s3.exceptions import S3AccessDeniedError
    from moto.sts.models import STSBackend

    original_assume = STSBackend.assume_role

    def assume_role(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = original_assume(self, *args, **kwargs)
        name = role.role_arn.rsplit("/", 1)[-1]
        if name not in ADMIN_ROLES:
            with _lock:
                _sessions[role.access_key_id] = Principal(role.role_arn, role.session_name)
        return role

    STSBackend.assume_role = assume_role

    def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if not get_settings().iam:
            return
        found = request_of(self)
        if found is None:
            return
        req, key = found
        caller = principal_of(key)
        if caller is None:
            return
        if req.service == "s3":
            req.operation = _s3_operation(self, req)
        try:
            check(req, caller, None if resource == "*" else [resource])
        except Denied as exc:
            if req.service == "s3":
                raise S3AccessDeniedError() from exc
            raise access_denied(req.service, exc) from exc

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize


_protocols: dict[str, str] = {}


def access_denied(service: str, denied: Denied) -> Exception:
    """The AccessDenied error in the service's own wire format (JSON services name it
    ``AccessDeniedException``, query and XML ones ``AccessDenied``)."""
    from moto.core.exceptions import JsonRESTError, _RESTError

    protocol = _protocols.get(service)
    if protocol is None:
        import botocore.session

        try:
            protocol = str(botocore.session.get_session().get_service_model(service).protocol)
        except Exception:
            protocol = "query"
        _protocols[service] = protocol
    message = str(denied)
    err: _RESTError
    if protocol in ("json", "rest-json"):
        err = JsonRESTError("AccessDeniedException", message)
    else:
        err = _RESTError("AccessDenied", message)
        if protocol == "rest-xml":  # Route 53: <ErrorResponse><Error>…</Error></ErrorResponse>
            from xmltodict import unparse

            body = {
                "ErrorResponse": {"Error": {"Type": "Sender", "Code": "AccessDenied", "Message": message}}
            }
            err.description = unparse(body, full_document=True)
    err.code = 403
    return err


def _s3_operation(response: Any, req: Request) -> str:
    method = str(getattr(response, "method", "GET")).upper()
    path = req.path.split("?")[0].strip("/")
    has_key = "/" in path
    if method in ("GET", "HEAD"):
        return "GetObject" if has_key else "ListBucket"
    if method in ("PUT", "POST"):
        return "PutObject" if has_key else "CreateBucket"
    if method == "DELETE":
        return "DeleteObject" if has_key else "DeleteBucket"
    return method


def invoke_allowed(headers: Any, function_arn: str, region: str) -> None:
    """lambda:InvokeFunction for the dispatcher (moto's Invoke does not run the authorizer)."""
    if not get_settings().iam or not headers:
        return
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    scope = auth.partition("Credential=")[2].partition(",")[0].split("/")
    caller = principal_of(scope[0]) if scope else None
    if caller is None:
        return
    req = Request("lambda", "Invoke", function_arn.split(":")[4], region, {}, "", "")
    docs = _documents(caller.account, caller.role_name)
    context = _context_of(req, caller)
    if evaluate(docs, "lambda:InvokeFunction", [function_arn], context) != "Allow":
        raise Denied(caller, "lambda:InvokeFunction", function_arn)


__all__ = [
    "ADMIN_ROLES",
    "ORGANIZATION_ID",
    "UNEVALUATED_KEYS",
    "Denied",
    "Principal",
    "check",
    "evaluate",
    "install",
    "invoke_allowed",
    "trusts",
]
