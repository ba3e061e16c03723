"""The execution input a person pastes in the console: its JSON Schema stays the model's, the examples
are valid for both, and preflight's parser names the field and the reason of what is wrong."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml
from profile_migrator.models import MigrationInput, partition_of
from profile_migrator.preflight import InvalidInput, parse_input

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "migration-input.schema.json"
CONSOLE = ROOT / "examples" / "console"
EXAMPLES = ["single-endpoint.json", "several-endpoints.json", "multi-account.json", "approvals-on.json"]
# Console examples written for a scenario of examples/: they must ask for that scenario's migration.
FOR_SCENARIO = {
    "single-endpoint.json": "path1-direct-phz.yaml",
    "approvals-on.json": "path1-direct-phz.yaml",
    "multi-account.json": "multi-account.yaml",
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_generate", ROOT / "schemas" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


def _validator() -> jsonschema.Draft202012Validator:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _example(name: str) -> dict[str, Any]:
    return json.loads((CONSOLE / name).read_text())


# -- the schema ------------------------------------------------------------------------------------------


def test_committed_schema_is_the_generated_one() -> None:
    assert _schema() == _generator().schema(), "run: python schemas/generate.py"


def test_every_field_is_described_for_a_person() -> None:
    gen = _generator()
    schema = _schema()
    for pointer in gen.property_pointers(schema):
        node = gen._at(schema, pointer)
        assert node.get("description"), f"schemas/generate.py: DOCS has no description for {pointer!r}"
        assert "title" in gen.DOCS.get(pointer, {}), f"schemas/generate.py: DOCS has no title for {pointer!r}"


def test_schema_is_draft_2020_12_and_closed() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert all(d["additionalProperties"] is False for d in schema["$defs"].values())


# -- the examples ----------------------------------------------------------------------------------------


def test_every_console_example_is_listed() -> None:
    assert sorted(p.name for p in CONSOLE.glob("*.json")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_console_example_is_valid_for_schema_and_model(name: str) -> None:
    doc = _example(name)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]
    assert errors == []
    assert parse_input(doc) == MigrationInput.model_validate(doc)


@pytest.mark.parametrize("name", sorted(FOR_SCENARIO))
def test_console_example_asks_for_its_scenarios_migration(name: str) -> None:
    req = parse_input(_example(name))
    scn = yaml.safe_load((ROOT / "examples" / FOR_SCENARIO[name]).read_text())
    assert req.profile == scn["migration"]["profile"]
    assert req.endpoints == scn["migration"]["endpoints"]
    assert req.region == scn["region"]
    assert {a: r.id for a, r in req.accounts.items()} == scn["accounts"]


def test_schema_examples_are_valid_too() -> None:
    """The ``examples`` shown in an editor are themselves valid values of their field."""
    gen = _generator()
    schema = _schema()
    for pointer in gen.property_pointers(schema):
        node = gen._at(schema, pointer)
        for value in node.get("examples", []):
            sub = {**node, "$defs": schema["$defs"]}
            errors = list(jsonschema.Draft202012Validator(sub).iter_errors(value))
            assert not errors, (pointer, value, errors[0].message)


# -- schema and model agree on what is wrong -----------------------------------------------------------

BASE = _example("single-endpoint.json") if (CONSOLE / "single-endpoint.json").exists() else {}


def _with(path: str, value: Any) -> dict[str, Any]:
    """BASE with ``value`` at dotted ``path``; the sentinel ``...`` removes the key."""
    doc = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return doc


# (case, input, field path the message must name, words the reason must contain)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing profile", _with("profile", ...), "profile", "required"),
    ("empty profile", _with("profile", ""), "profile", "at least 1 character"),
    ("unknown field", _with("colour", "blue"), "colour", "unknown field"),
    ("unknown nested field", _with("gate.intervall", 3), "gate.intervall", "unknown field"),
    (
        "bad account id",
        _with("accounts.network.id", "11111111111"),
        "accounts.network.id",
        "not a 12-digit account id",
    ),
    (
        "account id as a number",
        _with("accounts.network.id", 111111111111),
        "accounts.network.id",
        "valid string",
    ),
    (
        "bad role ARN",
        _with("accounts.network.role_arn", "arn:aws:iam::111111111111:user/bob"),
        "accounts.network.role_arn",
        "not an IAM role ARN",
    ),
    (
        "role ARN of no partition",
        _with("accounts.network.role_arn", "arn:awsome:iam::111111111111:role/profile-migrator-member"),
        "accounts.network.role_arn",
        "not an IAM role ARN",
    ),
    (
        "role ARN with a wildcard",
        _with("accounts.network.role_arn", "arn:aws:iam::111111111111:role/profile-migrator-*"),
        "accounts.network.role_arn",
        "not an IAM role ARN",
    ),
    (
        "role name longer than IAM allows",
        _with("accounts.network.role_arn", "arn:aws:iam::111111111111:role/" + "r" * 65),
        "accounts.network.role_arn",
        "not an IAM role ARN",
    ),
    ("no endpoint", _with("endpoints", []), "endpoints", "at least 1 item"),
    (
        "too many endpoints",
        _with("endpoints", [f"e{i}" for i in range(251)]),
        "endpoints",
        "at most 250 items",
    ),
    ("endpoint name too long", _with("endpoints", ["e" * 257]), "endpoints.0", "at most 256 characters"),
    ("duplicate endpoint", _with("endpoints", ["lambda", "lambda"]), "endpoints", "listed twice"),
    ("bad region", _with("region", "us-east"), "region", "not an AWS region name"),
    ("region in capitals", _with("region", "US-EAST-1"), "region", "not an AWS region name"),
    ("gate.consecutive 0", _with("gate.consecutive", 0), "gate.consecutive", "greater than or equal to 1"),
    ("unknown approvals", _with("approvals", "some"), "approvals", "'none', 'destructive' or 'every-step'"),
    ("no accounts", _with("accounts", {}), "accounts", "at least 1 item"),
    ("poll interval not whole", _with("poll.initial_seconds", 2.5), "poll.initial_seconds", "integer"),
]


@pytest.mark.parametrize(("case", "doc", "field", "reason"), BAD, ids=[b[0] for b in BAD])
def test_preflight_names_the_field_and_the_reason(
    case: str, doc: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_input(doc)
    msg = str(exc.value)
    assert msg.startswith(f"execution input: {field}: "), msg
    assert reason in msg, msg


@pytest.mark.parametrize(("case", "doc", "field", "reason"), BAD, ids=[b[0] for b in BAD])
def test_the_schema_rejects_what_preflight_rejects(
    case: str, doc: dict[str, Any], field: str, reason: str
) -> None:
    errors = list(_validator().iter_errors(doc))
    assert errors, f"the schema accepts {case}"


# What only preflight can check (JSON Schema does not compare two fields): a role ARN must be the account's
# own role, in the partition of the input's region (confused deputy).
CROSS: list[tuple[str, dict[str, Any], str]] = [
    (
        "role of another account",
        _with("accounts.network.role_arn", "arn:aws:iam::999999999999:role/profile-migrator-member"),
        "account 'network': role_arn 'arn:aws:iam::999999999999:role/profile-migrator-member' is a role of "
        "account 999999999999, not of the account's id 111111111111",
    ),
    (
        "role of another partition",
        _with("accounts.network.role_arn", "arn:aws-cn:iam::111111111111:role/profile-migrator-member"),
        "is in partition aws-cn, but region us-east-1 is in partition aws",
    ),
]


@pytest.mark.parametrize(("case", "doc", "reason"), CROSS, ids=[c[0] for c in CROSS])
def test_preflight_refuses_a_role_that_is_not_the_accounts_own(
    case: str, doc: dict[str, Any], reason: str
) -> None:
    assert not list(_validator().iter_errors(doc)), "well-formed for the schema"
    with pytest.raises(InvalidInput) as exc:
        parse_input(doc)
    assert str(exc.value).startswith("execution input: accounts: "), exc.value
    assert reason in str(exc.value)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111111111111:role/profile-migrator-member",
        "arn:aws:iam::111111111111:role/ops/dns/profile-migrator-member",
        "arn:aws-us-gov:iam::111111111111:role/profile-migrator-member",
        "arn:aws-iso-b:iam::111111111111:role/profile-migrator-member",
    ],
)
def test_schema_and_model_accept_the_same_role_arns(arn: str) -> None:
    region = {"aws-us-gov": "us-gov-west-1", "aws-iso-b": "us-isob-east-1"}.get(
        arn.split(":")[1], "us-east-1"
    )
    doc = _with("accounts.network.role_arn", arn)
    doc["region"] = region
    assert not list(_validator().iter_errors(doc))
    assert parse_input(doc).accounts["network"].role_arn == arn


def test_preflight_refuses_a_role_not_named_as_the_stacks_member_role_before_any_aws_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stack says which role its member roles are (MemberRoleName): any other role of the account
    (an administrator's) is refused, naming the account alias and the reason, with no AWS call made (every
    endpoint points at a closed loopback port: a call would fail with a connection error instead)."""
    from profile_migrator.preflight import preflight

    monkeypatch.setenv("MEMBER_ROLE_NAME", "profile-migrator-member")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    doc = _with("accounts.network.role_arn", "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole")
    with pytest.raises(InvalidInput) as exc:
        preflight(doc, "exec-1")
    assert str(exc.value) == (
        "execution input: accounts: account 'network': role_arn "
        "'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole' names role "
        "'OrganizationAccountAccessRole', but this stack assumes only its member role "
        "'profile-migrator-member' (MemberRoleName)"
    )


def test_endpoint_duplicates_are_found_in_linear_time() -> None:
    """The bound keeps the input small; the duplicate check is O(n) anyway (a Counter, not list.count)."""
    import time

    many = [f"vpce-{i:017x}" for i in range(200_000)] + ["vpce-00000000000000001"]
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="'vpce-00000000000000001' listed twice"):
        MigrationInput._endpoints(many)
    assert time.perf_counter() - t0 < 1.0


def test_input_that_is_not_an_object_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"^execution input: \(input\): "):
        parse_input(["profile", "central"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "region",
    [
        "us-east-1",
        "eu-west-3",
        "ap-southeast-2",
        "us-gov-west-1",
        "cn-north-1",
        "us-isob-east-1",
        "il-central-1",
    ],
)
def test_schema_and_model_accept_the_same_regions(region: str) -> None:
    doc = _with("region", region)
    for acct in doc["accounts"].values():  # a role of the region's own partition
        acct["role_arn"] = acct["role_arn"].replace("arn:aws:", f"arn:{partition_of(region)}:")
    assert not list(_validator().iter_errors(doc))
    assert parse_input(doc).region == region
