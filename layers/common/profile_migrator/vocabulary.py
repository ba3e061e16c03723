"""The one vocabulary of step actions: every action the planner emits or an undo performs, with its spec.

Every table that speaks of actions reads :data:`SPECS`: the planner (destructive, inverse, the effect it
simulates), the workflow (the function that runs it, the point of no return, the warning of a cleanup
left undone), :mod:`.actions` (the function that performs it, the waits it may return), the step
functions (which actions each allows) and the state machine (its map of the functions' ARNs, which
``tests/unit/test_statemachine.py`` checks).

Pure and light (no boto3, no pydantic): every step function imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict, cast


class Action(StrEnum):
    """A step action, as it stands in a plan's JSON, the state machine's input and the audit trail."""

    ASSOCIATE_VPC_WITH_PROFILE = "associate-vpc-with-profile"
    DISASSOCIATE_VPC_FROM_PROFILE = "disassociate-vpc-from-profile"
    ASSOCIATE_ZONE_WITH_PROFILE = "associate-zone-with-profile"
    DISASSOCIATE_ZONE_FROM_PROFILE = "disassociate-zone-from-profile"
    AUTHORIZE_VPC_ASSOCIATION = "authorize-vpc-association"
    REVOKE_VPC_ASSOCIATION = "revoke-vpc-association"
    ASSOCIATE_VPC_WITH_ZONE = "associate-vpc-with-zone"
    DISASSOCIATE_VPC_FROM_ZONE = "disassociate-vpc-from-zone"
    ENABLE_PRIVATE_DNS = "enable-private-dns"
    DISABLE_PRIVATE_DNS = "disable-private-dns"
    ASSOCIATE_ENDPOINT_WITH_PROFILE = "associate-endpoint-with-profile"
    DISASSOCIATE_ENDPOINT_FROM_PROFILE = "disassociate-endpoint-from-profile"
    CREATE_PARKING_VPC = "create-parking-vpc"
    DELETE_PARKING_VPC = "delete-parking-vpc"
    DELETE_ZONE_RECORD = "delete-zone-record"
    CREATE_ZONE_RECORD = "create-zone-record"
    DELETE_ZONE = "delete-zone"
    CREATE_BRIDGE_ZONE = "create-bridge-zone"
    DELETE_BRIDGE_ZONE = "delete-bridge-zone"


class WaitKind(StrEnum):
    """What a performed step may leave to settle (AS-1, AS-2, AS-3): :func:`actions.poll` reads each."""

    CHANGE = "change"  # a Route 53 change until INSYNC (AS-3)
    ENDPOINT = "endpoint"  # an endpoint until Available (AS-2)
    PROFILE_ASSOCIATION = "profile-association"  # a VPC's Profile association until COMPLETE (AS-1)
    RESOURCE_ASSOCIATION = "resource-association"  # a Profile resource association until COMPLETE (AS-1)
    PROFILE_ASSOCIATION_GONE = "profile-association-gone"
    RESOURCE_ASSOCIATION_GONE = "resource-association-gone"


class Effect(StrEnum):
    """What an action does to the resolution model in the planner's simulation."""

    JOIN_PROFILE = "join-profile"  # the VPC joins the Profile
    ATTACH_ZONE = "attach-zone"  # the Profile carries the zone
    DETACH_ZONE = "detach-zone"
    ATTACH_ENDPOINT = "attach-endpoint"  # the Profile carries the endpoint's name (CP-8)
    ASSOCIATE_ZONE = "associate-zone"  # the zone is associated directly with the VPC
    DISASSOCIATE_ZONE = "disassociate-zone"
    ENABLE_PRIVATE_DNS = "enable-private-dns"
    DELETE_RECORD = "delete-record"
    DELETE_ZONE = "delete-zone"
    CREATE_ZONE = "create-zone"  # a bridge copy, created with its parking VPC
    COPY_RECORD = "copy-record"  # the endpoint alias UPSERTed into a bridge copy
    ADD_VPC = "add-vpc"
    REMOVE_VPC = "remove-vpc"
    NONE = "none"  # no DNS effect (an authorization)
    UNDO_ONLY = "undo-only"  # the planner never emits it: only an undo performs it


@dataclass(frozen=True)
class ActionSpec:
    """All that is known of one action. ``inverse`` is None for an irreversible action: one performed
    only after the point of no return (``cleanup``), never undone."""

    function: str  # the step function (template.yaml logical id without ``Function``) that performs it
    perform: str  # the function of :mod:`.actions` that performs it
    inverse: Action | None
    effect: Effect
    waits: frozenset[WaitKind] = frozenset()
    destructive: bool = False  # asks for approval under ``approvals: destructive``
    cleanup: bool = False  # deferred after the point of no return (workflow.phases)
    left_code: str | None = None  # a cleanup step left undone: its warning's code


def _spec(
    function: str,
    perform: str,
    inverse: Action | None,
    effect: Effect,
    *waits: WaitKind,
    destructive: bool = False,
    cleanup: bool = False,
    left_code: str | None = None,
) -> ActionSpec:
    return ActionSpec(function, perform, inverse, effect, frozenset(waits), destructive, cleanup, left_code)


def _cleanup(
    left_code: str, function: str, perform: str, inverse: Action | None, effect: Effect, *waits: WaitKind
) -> ActionSpec:
    """A deletion deferred after the point of no return (destructive; left as ``left_code`` if it fails)."""
    return _spec(
        function, perform, inverse, effect, *waits, destructive=True, cleanup=True, left_code=left_code
    )


A, W, E = Action, WaitKind, Effect

# Each action runs in the function of its pair: an inverse-only action goes to its forward twin's
# function (one function per step action, each able to undo what it does).
SPECS: dict[Action, ActionSpec] = {
    A.ASSOCIATE_VPC_WITH_PROFILE: _spec(
        "AssociateVpcWithProfile",
        "_associate_vpc_with_profile",
        A.DISASSOCIATE_VPC_FROM_PROFILE,
        E.JOIN_PROFILE,
        W.PROFILE_ASSOCIATION,
    ),
    A.DISASSOCIATE_VPC_FROM_PROFILE: _spec(
        "AssociateVpcWithProfile",
        "_disassociate_vpc_from_profile",
        A.ASSOCIATE_VPC_WITH_PROFILE,
        E.UNDO_ONLY,
        W.PROFILE_ASSOCIATION_GONE,
    ),
    A.ASSOCIATE_ZONE_WITH_PROFILE: _spec(
        "AssociateZoneWithProfile",
        "_associate_zone_with_profile",
        A.DISASSOCIATE_ZONE_FROM_PROFILE,
        E.ATTACH_ZONE,
        W.RESOURCE_ASSOCIATION,
    ),
    A.DISASSOCIATE_ZONE_FROM_PROFILE: _spec(
        "DisassociateZoneFromProfile",
        "_disassociate_zone_from_profile",
        A.ASSOCIATE_ZONE_WITH_PROFILE,
        E.DETACH_ZONE,
        W.RESOURCE_ASSOCIATION_GONE,
        destructive=True,
    ),
    A.AUTHORIZE_VPC_ASSOCIATION: _spec(
        "AuthorizeVpcAssociation", "_authorize", A.REVOKE_VPC_ASSOCIATION, E.NONE
    ),
    A.REVOKE_VPC_ASSOCIATION: _spec(
        "AuthorizeVpcAssociation", "_revoke", A.AUTHORIZE_VPC_ASSOCIATION, E.UNDO_ONLY
    ),
    A.ASSOCIATE_VPC_WITH_ZONE: _spec(
        "AssociateVpcWithZone",
        "_associate_vpc_with_zone",
        A.DISASSOCIATE_VPC_FROM_ZONE,
        E.ASSOCIATE_ZONE,
        W.CHANGE,
    ),
    A.DISASSOCIATE_VPC_FROM_ZONE: _spec(
        "DisassociateVpcFromZone",
        "_disassociate_vpc_from_zone",
        A.ASSOCIATE_VPC_WITH_ZONE,
        E.DISASSOCIATE_ZONE,
        W.CHANGE,
        destructive=True,
    ),
    A.ENABLE_PRIVATE_DNS: _spec(
        "EnablePrivateDns",
        "_enable_private_dns",
        A.DISABLE_PRIVATE_DNS,
        E.ENABLE_PRIVATE_DNS,
        W.ENDPOINT,
    ),
    A.DISABLE_PRIVATE_DNS: _spec(
        "EnablePrivateDns", "_disable_private_dns", A.ENABLE_PRIVATE_DNS, E.UNDO_ONLY, W.ENDPOINT
    ),
    A.ASSOCIATE_ENDPOINT_WITH_PROFILE: _spec(
        "AssociateEndpointWithProfile",
        "_associate_endpoint_with_profile",
        A.DISASSOCIATE_ENDPOINT_FROM_PROFILE,
        E.ATTACH_ENDPOINT,
        W.RESOURCE_ASSOCIATION,
        W.ENDPOINT,
    ),
    A.DISASSOCIATE_ENDPOINT_FROM_PROFILE: _spec(
        "AssociateEndpointWithProfile",
        "_disassociate_endpoint_from_profile",
        A.ASSOCIATE_ENDPOINT_WITH_PROFILE,
        E.UNDO_ONLY,
        W.RESOURCE_ASSOCIATION_GONE,
    ),
    A.CREATE_PARKING_VPC: _spec("CreateParkingVpc", "_create_parking_vpc", A.DELETE_PARKING_VPC, E.ADD_VPC),
    # Cleanup: deleted only once no watched VPC resolves through it (workflow.CLEANUP).
    A.DELETE_PARKING_VPC: _cleanup(
        "PARKING_VPC_LEFT", "DeleteParkingVpc", "_delete_parking_vpc", None, E.REMOVE_VPC
    ),
    A.DELETE_ZONE_RECORD: _cleanup(
        "RECORD_LEFT",
        "DeleteZoneRecord",
        "_delete_zone_record",
        A.CREATE_ZONE_RECORD,
        E.DELETE_RECORD,
        W.CHANGE,
    ),
    # The restore of a deleted record, or, forward, the endpoint alias UPSERTed into a bridge copy.
    A.CREATE_ZONE_RECORD: _spec(
        "DeleteZoneRecord", "_create_zone_record", A.DELETE_ZONE_RECORD, E.COPY_RECORD, W.CHANGE
    ),
    # Irreversible: a new zone would get a new id (there is no performable create-zone; see
    # docs/state-machine.md) — deleted only once nothing resolves through it.
    A.DELETE_ZONE: _cleanup("ZONE_LEFT", "DeleteZone", "_delete_zone", None, E.DELETE_ZONE, W.CHANGE),
    A.CREATE_BRIDGE_ZONE: _spec(
        "CreateBridgeZone", "_create_bridge_zone", A.DELETE_BRIDGE_ZONE, E.CREATE_ZONE, W.CHANGE
    ),
    # Only a zone with the tool's BRIDGE_TAG.
    A.DELETE_BRIDGE_ZONE: _spec(
        "CreateBridgeZone", "_delete_bridge_zone", A.CREATE_BRIDGE_ZONE, E.UNDO_ONLY, W.CHANGE
    ),
}
del A, W, E


def spec(action: str) -> ActionSpec:
    """The spec of ``action``; a name outside the vocabulary is a ValueError naming it."""
    try:
        return SPECS[Action(action)]
    except ValueError:
        raise ValueError(f"unknown step action {action!r}") from None


def actions_of_function(function: str) -> frozenset[Action]:
    """The actions a step function performs (its forward action and the inverse it undoes with)."""
    return frozenset(a for a, s in SPECS.items() if s.function == function)


# The tables of old, derived, keyed by the plain string a JSON step holds. DESTRUCTIVE, INVERSE: the
# planner's; the rest the workflow's.
DESTRUCTIVE: frozenset[str] = frozenset(a for a, s in SPECS.items() if s.destructive)
# What undoes each action the planner emits (the compensation reads it); None: irreversible.
INVERSE: dict[str, Action | None] = {
    a: s.inverse for a, s in SPECS.items() if s.effect is not Effect.UNDO_ONLY
}
CLEANUP: frozenset[str] = frozenset(a for a, s in SPECS.items() if s.cleanup)
LEFT_CODES: dict[str, str] = {a: s.left_code for a, s in SPECS.items() if s.left_code is not None}
ACTION_FUNCTIONS: dict[str, str] = {a: s.function for a, s in SPECS.items()}
# The step functions' names (logical ids), in the order the state machine's map of their ARNs lists them.
STEP_FUNCTIONS: list[str] = list(dict.fromkeys(ACTION_FUNCTIONS.values()))


class StepDoc(TypedDict, total=False):
    """A step as JSON: in ``plan --json``, the state machine's waves, the run's S3 documents and the audit
    records (docs/scenario-format.md). ``planner.Step.to_json`` writes the first keys; the workflow adds
    ``approval`` and ``function``; an undo step has ``undo_of``; an audit record ``saved``, ``mode``,
    ``status`` and ``at``."""

    index: int
    action: str  # an Action's value (JSON gives a plain str; Action(...) or spec() reads it)
    endpoint: str
    vpc: str
    zone: str
    record: str
    profile: str
    account: str
    priority: int
    copy_of: str
    published_step: int | None
    wave: int
    destructive: bool
    gate: list[str]
    approval: bool
    function: str
    undo_of: int
    saved: dict[str, Any]
    mode: str
    status: str
    wait: bool  # False: the step's change is not waited for (workflow.phases: it changes no watched answer)
    at: float


def step_doc(doc: Mapping[str, Any]) -> StepDoc:
    """A step read from JSON (an event, an S3 document, an audit record) as a :class:`StepDoc`; a step
    whose action is outside the vocabulary is a ValueError naming it."""
    spec(str(doc.get("action", "")))
    return cast(StepDoc, dict(doc))
