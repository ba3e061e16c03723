"""Request-level faults and API-call accounting in moto's request dispatch (twin/faults.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.retries.standard as standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto_server import moto_server
from retry_probe import RetryProbe, throttled_once

from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings, get_settings, install_settings
from twin.faults import (
    ApiCall,
    TokenBucket,
    add_call_listener,
    api_calls,
    error_response,
    faults_suspended,
    install_request_faults,
    is_mutating,
    refused_calls,
    reset_api_calls,
)

pytestmark = pytest.mark.twin

REGION = "us-east-1"


class FrozenClock(SimClock):
    """Simulated time moves only when the test advances it."""

    def now(self) -> float:
        return self._anchor_sim  # SimClock keeps simulated time in _anchor_sim (advance() moves it)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    previous = get_clock()
    clock = FrozenClock(time_scale=0.001)
    install_clock(clock)
    yield clock
    install_clock(previous)


@pytest.fixture
def faults(clock: FrozenClock) -> Iterator[list[dict[str, Any]]]:
    """The scenario's fault list (mutate it in the test); request faults installed."""
    install_request_faults()
    reset_api_calls()
    settings = install_settings(TwinSettings())
    yield settings.faults
    install_settings(TwinSettings())
    reset_api_calls()


@pytest.fixture
def aws(faults: list[dict[str, Any]]) -> Iterator[None]:
    with mock_aws():
        yield


def client(service: str, attempts: int = 1, mode: str = "standard", **kwargs: Any) -> Any:
    config = Config(retries={"mode": mode, "total_max_attempts": attempts})
    return boto3.client(service, region_name=REGION, config=config, **kwargs)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry sleeps are real seconds; the tests don't need them."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    monkeypatch.setattr("botocore.retryhandler.random.random", lambda: 0.0)


# --------------------------------------------------------------------------------------------------
# Throttling, per service, in its wire format, recognised by botocore

Throttle = Callable[[str, float], None]


@pytest.fixture
def throttle(aws: None, faults: list[dict[str, Any]], clock: FrozenClock, no_backoff: None) -> Throttle:
    """``throttle(service, rate)``: a throttle fault of ``rate`` calls per simulated second on ``service``,
    in the mock account, on the frozen clock, with no real retry sleeps."""

    def add(service: str, rate: float) -> None:
        faults.append({"kind": "throttle", "service": service, "rate": rate})

    return add


def test_rl1_route53_throttle_is_retryable(throttle: Throttle) -> None:
    throttle("route53", 2)
    r53 = client("route53")
    r53.list_hosted_zones()
    r53.list_hosted_zones()
    with pytest.raises(ClientError) as raised:
        r53.list_hosted_zones()
    error = raised.value.response
    assert error["Error"] == {"Type": "Sender", "Code": "Throttling", "Message": "Rate exceeded"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400

    retrying = client("route53", attempts=3)
    probe = RetryProbe(retrying, refill=1.0)
    response = retrying.list_hosted_zones()  # throttled once, refilled by the probe, then served
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert probe.verdicts == throttled_once("Throttling")


def test_rl1_route53_throttle_is_retried_by_legacy_mode(throttle: Throttle) -> None:
    throttle("route53", 1)
    legacy = client("route53", attempts=3, mode="legacy")
    legacy.list_hosted_zones()
    RetryProbe(legacy, refill=1.0)
    assert legacy.list_hosted_zones()["ResponseMetadata"]["RetryAttempts"] == 1


@pytest.mark.parametrize(
    ("service", "call", "operation", "code", "status", "modeled"),
    [
        ("ec2", "describe_vpcs", "DescribeVpcs", "RequestLimitExceeded", 503, False),  # EC2's own code
        ("route53profiles", "list_profiles", "ListProfiles", "ThrottlingException", 400, True),  # RL-2
    ],
)
def test_throttle_through_moto_is_refused_in_the_services_format_and_retried(
    throttle: Throttle, service: str, call: str, operation: str, code: str, status: int, modeled: bool
) -> None:
    if service == "route53profiles":
        pytest.importorskip("twin.moto_ext.route53profiles").register_route53profiles()
    throttle(service, 1)
    bare = client(service)
    getattr(bare, call)()
    with pytest.raises(ClientError) as raised:
        getattr(bare, call)()
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if modeled:  # the service model names the error: botocore raises its own exception class
        assert isinstance(raised.value, getattr(bare.exceptions, code))

    retrying = client(service, attempts=3)
    probe = RetryProbe(retrying, refill=1.0)
    assert getattr(retrying, call)()["ResponseMetadata"]["RetryAttempts"] == 1
    assert probe.verdicts == throttled_once(code, status)
    assert refused_calls() == {f"{service}:{operation}": 2}


def test_rl2_route53profiles_throttle_is_retryable(no_backoff: None) -> None:
    # moto 5.2.5 has no route53profiles (the twin adds it); check the wire format itself through
    # botocore's full parse + retry path by answering the first attempt with our error.
    status, headers, body = error_response("route53profiles", "ThrottlingException")
    answers = [
        (status, headers, body),
        (200, {"Content-Type": "application/json"}, json.dumps({"ProfileSummaries": []})),
    ]

    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        code, answer_headers, answer_body = answers.pop(0)
        raw = _Raw(answer_body.encode())
        return AWSResponse(request.url, code, answer_headers, raw)  # type: ignore[arg-type]

    profiles = boto3.client(
        "route53profiles",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    profiles.meta.events.register("before-send.route53profiles", answer)
    probe = RetryProbe(profiles)
    response = profiles.list_profiles()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert probe.verdicts == throttled_once("ThrottlingException")


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._data


def test_throttle_of_one_service_leaves_others_alone(aws: None, faults: list[dict[str, Any]]) -> None:
    faults.append({"kind": "throttle", "service": "route53profiles", "rate": 1})
    r53 = client("route53")
    for _ in range(5):
        r53.list_hosted_zones()
    assert refused_calls() == {}


def test_bucket_refills_with_simulated_time_only(
    aws: None, faults: list[dict[str, Any]], clock: FrozenClock
) -> None:
    faults.append({"kind": "throttle", "service": "route53", "rate": 2})
    r53 = client("route53")

    def outcome() -> str:
        try:
            r53.list_hosted_zones()
            return "ok"
        except ClientError as error:
            return error.response["Error"]["Code"]

    assert [outcome() for _ in range(3)] == ["ok", "ok", "Throttling"]
    clock.advance(0.5)  # one token
    assert [outcome() for _ in range(2)] == ["ok", "Throttling"]
    clock.advance(100)  # refill stops at the burst
    assert [outcome() for _ in range(3)] == ["ok", "ok", "Throttling"]
    assert refused_calls() == {"route53:ListHostedZones": 3}


def test_bucket_is_per_account(
    aws: None, faults: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    faults.append({"kind": "throttle", "service": "route53", "rate": 1})
    client("route53").list_hosted_zones()
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "222222222222")
    client("route53").list_hosted_zones()  # another account, another bucket
    assert refused_calls() == {}


def test_token_bucket_starts_full_and_caps_at_burst() -> None:
    bucket = TokenBucket(rate=5, burst=5, now=0.0)
    assert sum(bucket.take(0.0) for _ in range(10)) == 5
    assert sum(bucket.take(0.4) for _ in range(10)) == 2
    assert sum(bucket.take(1000.0) for _ in range(10)) == 5


# --------------------------------------------------------------------------------------------------
# Error faults


def test_error_fault_fails_the_next_n_calls_of_an_operation(aws: None, faults: list[dict[str, Any]]) -> None:
    faults.append(
        {"kind": "error", "operation": "CreateHostedZone", "times": 2, "code": "PriorRequestNotComplete"}
    )
    r53 = client("route53")
    codes = []
    for attempt in range(3):
        try:
            r53.create_hosted_zone(Name=f"z{attempt}.example.com", CallerReference=str(attempt))
            codes.append("ok")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert codes == ["PriorRequestNotComplete", "PriorRequestNotComplete", "ok"]
    assert r53.list_hosted_zones()["HostedZones"][0]["Name"] == "z2.example.com."
    assert get_settings().fault_state[0]["fired"] == 2


def test_error_fault_uses_the_services_wire_format(aws: None, faults: list[dict[str, Any]]) -> None:
    faults.append({"kind": "error", "operation": "DescribeVpcEndpoints", "times": 1, "code": "InternalError"})
    faults.append(
        {"kind": "error", "operation": "ListStateMachines", "times": 1, "code": "ThrottlingException"}
    )
    with pytest.raises(ClientError) as ec2_error:
        client("ec2").describe_vpc_endpoints()
    assert ec2_error.value.response["Error"]["Code"] == "InternalError"
    assert ec2_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ClientError) as sfn_error:
        client("stepfunctions").list_state_machines()
    assert sfn_error.value.response["Error"]["Code"] == "ThrottlingException"


def test_error_fault_can_name_the_service(aws: None, faults: list[dict[str, Any]]) -> None:
    faults.append(
        {"kind": "error", "service": "ec2", "operation": "ListHostedZones", "times": 1, "code": "X"}
    )
    client("route53").list_hosted_zones()  # not ec2: untouched
    assert refused_calls() == {}


def test_faults_suspended_for_twin_setup(aws: None, faults: list[dict[str, Any]]) -> None:
    faults.append({"kind": "throttle", "service": "route53", "rate": 1})
    r53 = client("route53")
    with faults_suspended():
        for _ in range(3):
            r53.list_hosted_zones()
    assert api_calls() == {"route53:ListHostedZones": 3}
    assert refused_calls() == {}


# --------------------------------------------------------------------------------------------------
# Accounting and listeners


def test_api_calls_are_counted_per_service_operation_and_reset(
    aws: None, faults: list[dict[str, Any]]
) -> None:
    r53 = client("route53")
    r53.create_hosted_zone(Name="a.example.com", CallerReference="a")
    r53.list_hosted_zones()
    r53.list_hosted_zones()
    client("ec2").describe_vpcs()
    assert api_calls() == {
        "route53:CreateHostedZone": 1,
        "route53:ListHostedZones": 2,
        "ec2:DescribeVpcs": 1,
    }
    reset_api_calls()
    assert api_calls() == {}


def test_listener_sees_every_call_with_its_account(
    aws: None, faults: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ApiCall] = []
    remove = add_call_listener(seen.append)
    try:
        monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
        client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
        client("route53").list_hosted_zones()
    finally:
        remove()
    client("route53").list_hosted_zones()  # after removal: not seen
    assert [(c.service, c.operation, c.account, c.mutating) for c in seen] == [
        ("ec2", "CreateVpc", "111111111111", True),
        ("route53", "ListHostedZones", "111111111111", False),
    ]


def test_refused_plan_made_no_mutating_call(aws: None, faults: list[dict[str, Any]]) -> None:
    # The rehearsal's use: watch a read-only phase and assert nothing mutated.
    mutating: list[str] = []
    remove = add_call_listener(lambda call: mutating.append(call.key) if call.mutating else None)
    try:
        client("ec2").describe_vpc_endpoints()
        client("route53").list_hosted_zones_by_name()
    finally:
        remove()
    assert mutating == []


def test_listener_errors_do_not_break_requests(aws: None, faults: list[dict[str, Any]]) -> None:
    def broken(call: ApiCall) -> None:
        raise RuntimeError("listener bug")

    remove = add_call_listener(broken)
    try:
        client("route53").list_hosted_zones()
    finally:
        remove()


@pytest.mark.parametrize(
    ("operation", "mutating"),
    [
        ("AssociateVPCWithHostedZone", True),
        ("ChangeResourceRecordSets", True),
        ("ModifyVpcEndpoint", True),
        ("DescribeVpcEndpoints", False),
        ("ListProfileResourceAssociations", False),
        ("GetChange", False),
    ],
)
def test_is_mutating(operation: str, mutating: bool) -> None:
    assert is_mutating(operation) is mutating


# --------------------------------------------------------------------------------------------------
# Server mode


def test_faults_apply_in_moto_server_mode(faults: list[dict[str, Any]], clock: FrozenClock) -> None:
    faults.append({"kind": "throttle", "service": "route53", "rate": 1})
    with moto_server(REGION) as served:
        r53 = served.client("route53", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        r53.list_hosted_zones()
        with pytest.raises(ClientError) as raised:
            r53.list_hosted_zones()
        assert raised.value.response["Error"]["Code"] == "Throttling"
        assert api_calls()["route53:ListHostedZones"] == 2


# --------------------------------------------------------------------------------------------------
# AWS's own rate limits, on by default (RL-1, RL-2)


def _outcomes(call: Any, n: int) -> list[str]:
    out = []
    for _ in range(n):
        try:
            call()
            out.append("ok")
        except ClientError as error:
            out.append(error.response["Error"]["Code"])
    return out


@pytest.fixture
def rate_limited(aws: None, faults: list[dict[str, Any]]) -> Iterator[None]:
    from twin.config import get_settings

    get_settings().rate_limits = True
    yield


def test_rl1_route53_account_bucket_burst_50_refill_10_per_second(
    rate_limited: None, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    r53 = client("route53")
    assert _outcomes(r53.list_hosted_zones, 51) == ["ok"] * 50 + ["Throttling"]
    clock.advance(1.0)  # 10 tokens
    assert _outcomes(r53.list_hosted_zones, 11) == ["ok"] * 10 + ["Throttling"]
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "222222222222")  # per account: another account has its own
    assert _outcomes(r53.list_hosted_zones, 1) == ["ok"]
    assert refused_calls() == {"route53:ListHostedZones": 2}


def test_rl1_associate_vpc_with_hosted_zone_has_its_own_bucket_of_20_at_5_per_second(
    rate_limited: None, clock: FrozenClock
) -> None:
    ec2, r53 = client("ec2"), client("route53")
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(23)]
    zone = r53.create_hosted_zone(
        Name="example.internal",
        CallerReference="rl1",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": REGION, "VPCId": vpcs[0]},
    )["HostedZone"]["Id"]

    def associate(vpc: str) -> Any:
        return lambda: r53.associate_vpc_with_hosted_zone(
            HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc}
        )

    got = [_outcomes(associate(v), 1)[0] for v in vpcs[1:22]]
    assert got == ["ok"] * 20 + ["Throttling"]
    assert _outcomes(r53.list_hosted_zones, 1) == ["ok"]  # the account bucket still has tokens
    clock.advance(0.2)  # one association token
    assert _outcomes(associate(vpcs[21]), 1) == ["ok"]


def test_rl2_route53profiles_5_per_second_by_default(rate_limited: None, clock: FrozenClock) -> None:
    rp = client("route53profiles")
    assert _outcomes(rp.list_profiles, 6) == ["ok"] * 5 + ["ThrottlingException"]
    clock.advance(1.0)
    assert _outcomes(rp.list_profiles, 6) == ["ok"] * 5 + ["ThrottlingException"]


def test_rate_limits_off_and_ec2_is_not_limited(aws: None, faults: list[dict[str, Any]]) -> None:
    # TwinSettings() has them off (scenario `twin.rate_limits: off`); EC2 has no rule: never limited.
    assert _outcomes(client("route53").list_hosted_zones, 60) == ["ok"] * 60
    from twin.config import get_settings

    get_settings().rate_limits = True
    assert _outcomes(client("ec2").describe_vpcs, 60) == ["ok"] * 60
