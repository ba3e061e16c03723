"""Deploy ``template.yaml`` into the twin, as it is: its functions, its state machine with the
substitutions resolved, its table — and one probe per scenario VPC (what ``member.yaml`` deploys), each
resolving through that VPC's twin resolver and registered in SSM like the real one.

Every Lambda invocation is routed to the real handler the template names (``CodeUri`` + ``Handler``),
with the function's environment (:mod:`twin.dispatch`).
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from profile_migrator.aws.functions import register_probe

from twin import roles as template_roles
from twin.asl import state_machine_credentials
from twin.core import Twin
from twin.dispatch import install_dispatcher, lambda_environment, set_function_credentials
from twin.iam import ORGANIZATION_ID

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
MEMBER_TEMPLATE = ROOT / "member.yaml"
TWIN_ROLE = "arn:aws:iam::{account}:role/profile-migrator-twin"

# In the twin, Powertools stays quiet: the CLI's stdout is for the contract JSON.
TWIN_ENV = {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short intrinsic tags (!Ref, !Sub, !GetAtt, …) as their long forms."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return doc


@dataclass
class Deployment:
    account: str  # alias of the account the central stack is in
    state_machine_arn: str
    table: str
    functions: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    probes: dict[str, str] = field(default_factory=dict)  # VPC name -> probe ARN
    handlers: dict[str, Callable[..., Any]] = field(default_factory=dict)  # function name -> handler
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    buses: dict[str, str] = field(default_factory=dict)  # logical id -> event bus name
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    rules: dict[str, str] = field(default_factory=dict)  # logical id -> rule ARN
    parameters: dict[str, Any] = field(default_factory=dict)  # the stack's parameter values
    conditions: dict[str, bool] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # function logical id -> execution role ARN


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "app.py", "def lambda_handler(event, context):\n    raise RuntimeError('twin dispatches')\n"
        )
    return buf.getvalue()


class _NoValue:
    """``Ref: AWS::NoValue`` — the property (or list item) is left out."""


NO_VALUE = _NoValue()


class _Resolver:
    """Values of Ref / GetAtt / Sub (and Join, Select, Split, If, conditions) inside the template, for
    what the twin created."""

    def __init__(
        self,
        params: dict[str, Any],
        refs: dict[str, str],
        attrs: dict[str, str],
        conditions: dict[str, bool] | None = None,
    ) -> None:
        self.params, self.refs, self.attrs = params, refs, attrs
        self.conditions: dict[str, bool] = conditions if conditions is not None else {}

    def condition(self, value: Any) -> bool:
        """A condition expression (Fn::Equals / Not / And / Or / Condition) or a condition's name."""
        if isinstance(value, str):
            return self.conditions[value]
        ((k, v),) = value.items()
        if k == "Fn::Equals":
            return bool(self(v[0]) == self(v[1]))
        if k == "Fn::Not":
            return not self.condition(v[0])
        if k == "Fn::And":
            return all(self.condition(c) for c in v)
        if k == "Fn::Or":
            return any(self.condition(c) for c in v)
        if k in ("Condition", "Fn::Condition"):
            return self.conditions[v]
        raise ValueError(f"not a condition: {value!r}")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((k, v),) = value.items()
            if k == "Ref":
                if v == "AWS::NoValue":
                    return NO_VALUE
                if v in self.params:
                    return self.params[v]
                return self.refs.get(v, v)
            if k == "Fn::GetAtt":
                return self.attrs.get(".".join(v), "")
            if k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                local = {} if isinstance(v, str) else {n: self(x) for n, x in v[1].items()}
                for name, val in {**self.params, **self.refs, **self.attrs, **local}.items():
                    text = text.replace("${" + name + "}", str(val))
                return text
            if k == "Fn::Join":
                return str(v[0]).join(str(x) for x in self(v[1]))
            if k == "Fn::Split":
                return str(self(v[1])).split(str(v[0]))
            if k == "Fn::Select":
                items = self(v[1])
                index = int(self(v[0]))
                return items[index] if index < len(items) else ""
            if k == "Fn::If":
                return self(v[1] if self.condition(v[0]) else v[2])
        if isinstance(value, dict):
            out = {k: self(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [x for x in (self(v) for v in value) if x is not NO_VALUE]
        return value


def evaluate_conditions(tpl: dict[str, Any], params: dict[str, Any]) -> dict[str, bool]:
    """The template's ``Conditions`` for these parameter values (in dependency order)."""
    resolver = _Resolver(params, {}, {})
    pending = dict(tpl.get("Conditions", {}) or {})
    while pending:
        progressed = False
        for name, expr in list(pending.items()):
            try:
                resolver.conditions[name] = resolver.condition(expr)
            except KeyError:  # refers to a condition not evaluated yet
                continue
            del pending[name]
            progressed = True
        if not progressed:
            raise ValueError(f"conditions refer to unknown conditions: {sorted(pending)}")
    return resolver.conditions


def parameter_values(tpl: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``overrides``; list types (``CommaDelimitedList``, ``List<…>``) as lists."""
    out: dict[str, Any] = {}
    for name, spec in (tpl.get("Parameters", {}) or {}).items():
        raw = (overrides or {}).get(name, spec.get("Default", ""))
        if str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            out[name] = (
                raw if isinstance(raw, list) else [x.strip() for x in str(raw).split(",") if x.strip()]
            )
        else:
            out[name] = str(raw)
    return out


def deployed(res: dict[str, Any], conditions: dict[str, bool]) -> bool:
    """A resource without ``Condition``, or whose condition holds."""
    cond = res.get("Condition")
    return cond is None or conditions.get(cond, False)


def twin_parameters(tw: Twin) -> dict[str, str]:
    """Stack parameters the twin fills in from the scenario (besides the shared services VPC)."""
    assert tw.built is not None
    scn = tw.scn
    out: dict[str, str] = {}
    profile = scn.migration.profile if scn.migration is not None else next(iter(scn.profiles), None)
    if profile is not None and profile in tw.built.profiles:
        out["OnboardProfileId"] = tw.built.profiles[profile]  # new VPCs join this Profile (EV-1)
    if len(scn.accounts) > 1:
        out["OrganizationId"] = TWIN_ORGANIZATION  # member accounts forward to the central bus (EV-1)
    return out


TWIN_ORGANIZATION = ORGANIZATION_ID  # every scenario account is in it (aws:PrincipalOrgID)


_import_lock = threading.Lock()


def _load_handler(code_uri: str, handler: str, function_name: str, env: dict[str, str]) -> Callable[..., Any]:
    """Import ``CodeUri/<module>.py`` as its own module (one per function: module-level settings differ)."""
    module_name, attr = handler.rsplit(".", 1)
    path = ROOT / code_uri / f"{module_name}.py"
    unique = f"twin_fn_{function_name.replace('-', '_')}"
    with _import_lock, lambda_environment(env):
        spec = importlib.util.spec_from_file_location(unique, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[unique] = mod
        spec.loader.exec_module(mod)
    return getattr(mod, attr)  # type: ignore[no-any-return]


def deploy(
    tw: Twin,
    central: str | None = None,
    template: Path = TEMPLATE,
    parameters: dict[str, str] | None = None,
    member_template: Path = MEMBER_TEMPLATE,
) -> Deployment:
    """Deploy the central stack into account alias ``central`` (default: the migration Profile's owner,
    else the first Profile's). ``parameters`` override the template's defaults and the twin's values."""
    assert tw.built is not None
    scn = tw.scn
    if central is None:
        if scn.migration is not None and scn.migration.profile in scn.profiles:
            central = scn.profiles[scn.migration.profile].account
        elif scn.profiles:
            central = next(iter(scn.profiles.values())).account
        else:
            central = next(iter(scn.accounts))
    tpl = load_template(template)
    acct = tw.accounts()[central]
    account_id = scn.accounts[central]
    region = scn.region
    resources: dict[str, Any] = tpl["Resources"]
    params = parameter_values(tpl, {**twin_parameters(tw), **(parameters or {})})
    shared_vpc = None
    if scn.migration is not None and scn.migration.endpoints and scn.migration.endpoints[0] in scn.endpoints:
        shared_vpc = tw.built.vpcs[scn.endpoints[scn.migration.endpoints[0]].vpc]
    params.update(
        {
            "SharedServicesVpcId": shared_vpc or "",
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": "aws",
        }
    )
    conditions = evaluate_conditions(tpl, params)
    resources = {k: v for k, v in resources.items() if deployed(v, conditions)}
    table_ids = [k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"]
    refs: dict[str, str] = {}
    ddb = acct.client("dynamodb")
    for lid in table_ids:
        props = resources[lid]["Properties"]
        name = f"profile-migrator-{lid}"
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=props["AttributeDefinitions"],
            KeySchema=props["KeySchema"],
            BillingMode="PAY_PER_REQUEST",
        )
        refs[lid] = name
    attrs: dict[str, str] = {
        f"{lid}.Arn": f"arn:aws:dynamodb:{region}:{account_id}:table/{refs[lid]}" for lid in table_ids
    }
    s3 = acct.client("s3")
    for lid in [k for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket"]:
        # The run bucket (Distributed Map items, the run's plan and context).
        name = f"profile-migrator-{lid.lower()}-{account_id}"
        try:
            s3.create_bucket(Bucket=name) if region == "us-east-1" else s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        refs[lid] = name
        attrs[f"{lid}.Arn"] = f"arn:aws:s3:::{name}"
    fn_ids = [
        k
        for k, v in resources.items()
        if v["Type"] == "AWS::Serverless::Function" and "VpcConfig" not in v.get("Properties", {})
    ]  # probes are deployed per VPC below
    for lid in fn_ids:
        attrs[f"{lid}.Arn"] = f"arn:aws:lambda:{region}:{account_id}:function:{lid}"
        refs[lid] = lid
    # A function may name a state machine or a bus (Ref / GetAtt): their ARNs are known before creation.
    for lid, res in resources.items():
        if res["Type"] == "AWS::Serverless::StateMachine":
            sm_name = str(res["Properties"].get("Name", lid))
            refs[lid] = attrs[f"{lid}.Arn"] = f"arn:aws:states:{region}:{account_id}:stateMachine:{sm_name}"
            attrs[f"{lid}.Name"] = sm_name
        elif res["Type"] == "AWS::Events::EventBus":
            bus_name = str(res["Properties"]["Name"])
            refs[lid] = attrs[f"{lid}.Name"] = bus_name
            attrs[f"{lid}.Arn"] = f"arn:aws:events:{region}:{account_id}:event-bus/{bus_name}"
        elif res["Type"] == "AWS::SNS::Topic":  # alarm/approval topics: named, not delivered by the twin
            refs[lid] = attrs[f"{lid}.TopicArn"] = f"arn:aws:sns:{region}:{account_id}:profile-migrator-{lid}"
            attrs[f"{lid}.TopicName"] = f"profile-migrator-{lid}"
        elif res["Type"] == "AWS::SQS::Queue":  # dead-letter queues: named, not delivered by the twin
            refs[lid] = f"https://sqs.{region}.amazonaws.com/{account_id}/profile-migrator-{lid}"
            attrs[f"{lid}.Arn"] = f"arn:aws:sqs:{region}:{account_id}:profile-migrator-{lid}"
            attrs[f"{lid}.QueueName"] = f"profile-migrator-{lid}"
    # The stack's IAM roles (SAM's translation of each function's and state machine's Policies).
    translated = template_roles.translate(tpl, params, region)
    role_names = {
        lid: template_roles.role_name(spec, _Resolver(params, refs, attrs, conditions), "profile-migrator")
        for lid, spec in translated.roles.items()
        if deployed(resources.get(lid, {}), conditions)
    }
    for lid, name in role_names.items():
        attrs[f"{lid}.Arn"] = f"arn:aws:iam::{account_id}:role/{name}"
        refs[lid] = name
    resolve = _Resolver(params, refs, attrs, conditions)
    iam = acct.client("iam")
    role_arns = {
        lid: template_roles.create(iam, translated.roles[lid], name, resolve)
        for lid, name in role_names.items()
    }
    deploy_member_roles(tw, central, template_profile_arns(tw), member_template)
    glob = tpl.get("Globals", {}).get("Function", {})
    key, secret, token = acct.access_key()
    cred_env = {
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": token or "",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    lam = acct.client("lambda")
    for a in tw.accounts().values():
        _ensure_role(a)
    dep = Deployment(
        account=central,
        state_machine_arn="",
        table=refs[table_ids[0]] if table_ids else "",
        parameters=params,
        conditions=conditions,
        buckets={k: refs[k] for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket"},
    )
    for lid in fn_ids:
        props = {**glob, **resources[lid]["Properties"]}
        env = dict(resolve(glob.get("Environment", {}).get("Variables", {})))
        env.update(resolve(resources[lid]["Properties"].get("Environment", {}).get("Variables", {})))
        env.update(cred_env)
        env.update(TWIN_ENV)
        role_arn = role_arns.get(translated.owner.get(lid, ""), TWIN_ROLE.format(account=account_id))
        lam.create_function(
            FunctionName=lid,
            Runtime=props.get("Runtime", "python3.13"),
            Role=role_arn,
            Handler=props["Handler"],
            Code={"ZipFile": _zip()},
            Timeout=int(props.get("Timeout", 60)),
            Environment={"Variables": env},
        )
        dep.functions[lid] = attrs[f"{lid}.Arn"]
        dep.roles[lid] = role_arn
        # Lambda gives each invocation its execution role's credentials (twin.dispatch).
        set_function_credentials(
            attrs[f"{lid}.Arn"], template_roles.credentials(acct.client("sts"), role_arn, lid)
        )
        dep.handlers[lid] = _load_handler(props["CodeUri"], props["Handler"], lid, env)
    # One probe per scenario VPC (member.yaml), resolving through that VPC's twin resolver.
    probe_tpl = next(
        (
            v
            for v in resources.values()
            if v["Type"] == "AWS::Serverless::Function" and "VpcConfig" in v.get("Properties", {})
        ),
        None,
    )
    if probe_tpl is not None and tw.fleet is not None:
        for vpc_name, vpc in scn.vpcs.items():
            if not vpc.probe:
                continue
            dep.probes[vpc_name] = _deploy_probe(tw, probe_tpl["Properties"], glob, vpc_name, vpc.account)
    for lid, res in resources.items():
        if res["Type"] != "AWS::Serverless::StateMachine":
            continue
        props = res["Properties"]
        text = (ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        for key, val in props.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + key + "}", str(resolve(val)))
        sm = acct.client("stepfunctions").create_state_machine(
            name=str(props.get("Name", lid)),
            definition=text,
            roleArn=role_arns.get(translated.owner.get(lid, ""), TWIN_ROLE.format(account=account_id)),
            type=props.get("Type", "STANDARD"),
        )
        dep.state_machines[lid] = sm["stateMachineArn"]
        sm_role = role_arns.get(translated.owner.get(lid, ""))
        if sm_role is not None:  # the interpreter's own calls run with the state machine's role (twin.asl)
            state_machine_credentials[sm["stateMachineArn"]] = template_roles.credentials(
                acct.client("sts"), sm_role, lid
            )
        # `state_machine_arn` is the migration's (the first one, unless one is called MigrationStateMachine).
        if lid == "MigrationStateMachine" or not dep.state_machine_arn:
            dep.state_machine_arn = sm["stateMachineArn"]
    create_event_resources(acct, resources, resolve, dep)
    install_dispatcher(_resolver_for(dep))
    return dep


def create_event_resources(
    acct: Any, resources: dict[str, Any], resolve: _Resolver, dep: Deployment | None = None
) -> dict[str, str]:
    """The template's EventBridge buses (with their policy) and rules (pattern, bus, targets) in moto.

    moto stores them but does not invoke Lambda targets: :mod:`twin.events` routes events over what is
    stored here. Returns rule logical id -> rule ARN.
    """
    events = acct.client("events")
    rules: dict[str, str] = {}
    for lid, res in resources.items():
        if res["Type"] != "AWS::Events::EventBus":
            continue
        props = resolve(res["Properties"])
        events.create_event_bus(Name=props["Name"])
        if props.get("Policy"):
            events.put_permission(EventBusName=props["Name"], Policy=json.dumps(props["Policy"]))
        if dep is not None:
            dep.buses[lid] = props["Name"]
    for lid, res in resources.items():
        if res["Type"] != "AWS::Events::Rule":
            continue
        props = resolve(res["Properties"])
        bus = props.get("EventBusName", "default")
        arn = events.put_rule(
            Name=lid,
            EventPattern=json.dumps(props["EventPattern"]),
            EventBusName=bus,
            State=props.get("State", "ENABLED"),
            Description=props.get("Description", ""),
        )["RuleArn"]
        targets = [
            {k: v for k, v in t.items() if k in ("Id", "Arn", "RoleArn", "Input", "InputPath")}
            for t in props.get("Targets", [])
        ]
        if targets:
            events.put_targets(Rule=lid, EventBusName=bus, Targets=targets)
        rules[lid] = arn
        if dep is not None:
            dep.rules[lid] = arn
    return rules


def template_profile_arns(tw: Twin) -> list[str]:
    """member.yaml's ``ProfileArns``: the scenario's Profiles (the ones its VPCs may join)."""
    assert tw.built is not None
    return sorted(tw.built.profile_arns.values())


def deploy_member_roles(
    tw: Twin, central: str, profile_arns: list[str], template: Path = MEMBER_TEMPLATE
) -> dict[str, str]:
    """member.yaml's role (``RoleOnly``) in every account of the scenario, the central one included (the
    central functions reach every account, their own too, through it). Returns alias -> role ARN."""
    assert tw.built is not None
    scn = tw.scn
    tpl = load_template(template)
    out: dict[str, str] = {}
    for alias, acct in tw.accounts().items():
        account_id = scn.accounts[alias]
        params = parameter_values(
            tpl,
            {
                "CentralAccountId": scn.accounts[central],
                "CommonLayerArn": f"arn:aws:lambda:{scn.region}:{scn.accounts[central]}:layer:common:1",
                "ProfileArns": ",".join(profile_arns),
                "OrganizationId": TWIN_ORGANIZATION,
            },
        )
        params.update({"AWS::Region": scn.region, "AWS::AccountId": account_id, "AWS::Partition": "aws"})
        conditions = evaluate_conditions(tpl, params)
        translated = template_roles.translate(tpl, params, scn.region)
        resolve = _Resolver(params, {}, {}, conditions)
        spec = translated.roles["MemberRole"]
        out[alias] = template_roles.create(
            acct.client("iam"),
            spec,
            template_roles.role_name(spec, resolve, "profile-migrator-member"),
            resolve,
        )
    return out


_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _ensure_role(acct: Any) -> None:
    iam = acct.client("iam")
    try:
        iam.create_role(RoleName="profile-migrator-twin", AssumeRolePolicyDocument=_TRUST)
    except iam.exceptions.EntityAlreadyExistsException:
        pass


def _deploy_probe(tw: Twin, props: dict[str, Any], glob: dict[str, Any], vpc_name: str, alias: str) -> str:
    assert tw.built is not None
    acct = tw.accounts()[alias]
    account_id = tw.scn.accounts[alias]
    vpc_id = tw.built.vpcs[vpc_name]
    name = f"profile-migrator-probe-{vpc_id}"
    ip, port = tw.fleet.address_of(vpc_name)
    env = {
        "VPC_ID": vpc_id,
        "PROBE_NAMESERVER": ip,
        "PROBE_PORT": str(port),
        **TWIN_ENV,
        "POWERTOOLS_SERVICE_NAME": "profile-migrator-probe",
    }
    if tw.server:
        # Served over HTTP, the gate's Invoke of a probe reaches the dispatcher on another thread, so it
        # is not seen as nested: a variable that differs from the gate's would make it wait for the lease.
        del env["POWERTOOLS_SERVICE_NAME"]
    acct.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=TWIN_ROLE.format(account=account_id),
        Handler=props.get("Handler", glob.get("Handler", "app.lambda_handler")),
        Code={"ZipFile": _zip()},
        Environment={"Variables": env},
    )
    arn = f"arn:aws:lambda:{tw.scn.region}:{account_id}:function:{name}"
    handler = _load_handler(
        props["CodeUri"], props.get("Handler", glob.get("Handler", "app.lambda_handler")), name, env
    )
    _PROBE_HANDLERS[name] = handler
    register_probe(acct, vpc_id, arn)  # what the member stack's SSM parameter does
    return arn


_PROBE_HANDLERS: dict[str, Callable[..., Any]] = {}


def _resolver_for(dep: Deployment) -> Callable[[str], Callable[..., Any] | None]:
    def resolve(name_or_arn: str) -> Callable[..., Any] | None:
        name = name_or_arn.rsplit(":", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        return dep.handlers.get(name) or _PROBE_HANDLERS.get(name)

    return resolve


def execution_input(
    tw: Twin, dep: Deployment, gate: dict[str, Any] | None = None, poll: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The console input for the scenario's migration request (what a person would paste)."""
    scn = tw.scn
    assert scn.migration is not None
    mig = scn.migration
    out: dict[str, Any] = {
        "profile": mig.profile,
        "endpoints": list(mig.endpoints),
        "approvals": mig.approvals,
        "parking_vpc": mig.parking_vpc,
        "region": scn.region,
        "accounts": {
            a: {"id": i, "role_arn": f"arn:aws:iam::{i}:role/profile-migrator-member"}
            for a, i in scn.accounts.items()
        },
    }
    if gate:
        out["gate"] = gate
    if poll:
        out["poll"] = poll
    # An unanswered approval times out (and rolls back) after 5 simulated minutes in a rehearsal.
    out["approval_timeout_seconds"] = 300
    return out


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=str)
