"""The ASL and the SAM template agree with each other and with the code (statelint, wiring, the copies).

``statemachine/*.asl.json`` are written by hand (and in Workflow Studio); these tests are what keeps them
tied to ``template.yaml`` and to the code: the functions the machines invoke and may invoke, the errors not
retried, the wave bound, and the four copies of the wave and step processors (one per Distributed Map:
state names are unique across a whole definition, so each copy carries its prefix).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from profile_migrator.planner import MAX_WAVE
from profile_migrator.vocabulary import SPECS, STEP_FUNCTIONS, Action
from profile_migrator.workflow import STEP_ERRORS
from statelint.config import Config
from statelint.linter import Linter

from twin.deploy import load_template

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted((ROOT / "statemachine").glob("*.asl.json"))
MIGRATE = ROOT / "statemachine" / "migrate.asl.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
# Errors a retry cannot fix (the step refuses, the request is wrong): every other error is retried.
FINAL_ERRORS = ["Refused", "InvalidInput", *STEP_ERRORS]
TRANSIENT_RETRY = {
    "ErrorEquals": ["States.ALL"],
    "IntervalSeconds": 2,
    "MaxAttempts": 4,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 30,
    "JitterStrategy": "FULL",
}
# The Distributed Maps whose children run waves, and the prefix of their processors' state names.
PROCESSORS = {"Join": "JoinProfile", "Forward": "MigrateEndpoints", "Cleanup": "Cleanup", "Undo": "Undo"}


def _definition() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(MIGRATE.read_text())
    return doc


def _states(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state of a definition, nested ones (Map processors) included, by name."""
    out: dict[str, dict[str, Any]] = {}
    for name, st in states.items():
        assert name not in out, f"state name {name} used twice"
        out[name] = st
        if "ItemProcessor" in st:
            for inner, inner_st in _states(st["ItemProcessor"]["States"]).items():
                assert inner not in out, f"state name {inner} used twice"
                out[inner] = inner_st
    return out


def _state_machine(logical_id: str = "MigrationStateMachine") -> dict[str, Any]:
    props: dict[str, Any] = load_template(ROOT / "template.yaml")["Resources"][logical_id]["Properties"]
    return props


def _invoke_policies(props: dict[str, Any]) -> set[str]:
    """The functions (logical ids) a state machine's LambdaInvokePolicy entries name."""
    return {
        pol["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for pol in props.get("Policies", [])
        if isinstance(pol, dict) and "LambdaInvokePolicy" in pol
    }


def test_statelint_passes_on_every_definition() -> None:
    assert ASL_FILES
    for path in ASL_FILES:
        text = path.read_text()
        # statelint wants URIs where SAM substitutes ARNs at deploy time.
        text = PLACEHOLDER.sub(r"arn:aws:lambda:us-east-1:111111111111:function:\1", text)
        # statelint 3.1 predates ItemReader.ReaderConfig.InputType (AWS documents it: JSON, JSONL, CSV,
        # MANIFEST); a Distributed Map reading a JSON array from S3 needs it.
        problems = [
            p
            for p in Linter.validate(text, Config())
            if not re.fullmatch(r'Field "InputType" not allowed in .*\.ItemReader\.ReaderConfig', p)
        ]
        assert problems == [], path.name


def test_every_placeholder_has_a_substitution_and_a_function() -> None:
    tpl = load_template(ROOT / "template.yaml")
    resources = tpl["Resources"]
    for res in resources.values():
        if res["Type"] != "AWS::Serverless::StateMachine":
            continue
        props = res["Properties"]
        used = set(PLACEHOLDER.findall((ROOT / props["DefinitionUri"]).read_text()))
        subs = props.get("DefinitionSubstitutions", {})
        assert used <= set(subs), used - set(subs)
        assert set(subs) <= used, f"substitutions no definition uses: {set(subs) - used}"
        for key, value in subs.items():
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"][0]
                assert target in resources, key
                code = ROOT / resources[target]["Properties"]["CodeUri"] / "app.py"
                assert code.exists(), code


def test_every_function_a_machine_invokes_has_its_own_invoke_policy() -> None:
    """A Task names a function by substitution (``${XFunctionArn}``) or, for a step, by the ARN Preflight
    gave it from the same substitutions: each one has its LambdaInvokePolicy (one per function, never ``*``)."""
    for lid, res in load_template(ROOT / "template.yaml")["Resources"].items():
        if res["Type"] != "AWS::Serverless::StateMachine":
            continue
        props = res["Properties"]
        invoked = {
            value["Fn::GetAtt"][0]
            for key, value in props["DefinitionSubstitutions"].items()
            if key.endswith("FunctionArn") and "Fn::GetAtt" in value
        }
        assert invoked and invoked <= _invoke_policies(props), (lid, invoked - _invoke_policies(props))


def test_every_action_is_invocable_by_the_migration() -> None:
    """Each action's function (vocabulary.SPECS) is in the map Preflight gets (so its steps carry its ARN),
    substituted with that function's ARN, deployed from its own code, and invocable by the machine."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    props = _state_machine()
    functions = _definition()["States"]["Preflight"]["Parameters"]["functions"]
    assert sorted(functions) == sorted(STEP_FUNCTIONS), "one entry per step function, no other"
    policies = _invoke_policies(props)
    for action in Action:
        fn = SPECS[action].function
        assert functions[fn] == f"${{{fn}FunctionArn}}", action
        assert props["DefinitionSubstitutions"][f"{fn}FunctionArn"] == {
            "Fn::GetAtt": [f"{fn}Function", "Arn"]
        }
        assert (ROOT / resources[f"{fn}Function"]["Properties"]["CodeUri"] / "app.py").exists(), action
        assert f"{fn}Function" in policies, action


def test_one_task_runs_every_step_action() -> None:
    """No fan-out per action: each processor has one Task for a step's function, invoking the ARN the step
    carries, its answer kept at ``$.result.Payload`` (where the poll loop and ``watch`` read it)."""
    states = _states(_definition()["States"])
    for p in PROCESSORS:
        run = states[f"{p}Run"]
        assert run["Resource"] == "arn:aws:states:::lambda:invoke"
        assert run["Parameters"]["FunctionName.$"] == "$.step.function_arn"
        assert run["ResultSelector"] == {"Payload.$": "$.Payload"} and run["ResultPath"] == "$.result"
        assert states[f"{p}PollStatus"]["ResultPath"] == "$.result.Payload"
        assert states[f"{p}StepDone"]["OutputPath"] == "$.result.Payload"
    step_arns = {f"${{{fn}FunctionArn}}" for fn in STEP_FUNCTIONS}
    for name, st in states.items():
        if st["Type"] == "Task":
            named = {st.get("Resource"), st.get("Parameters", {}).get("FunctionName")}
            assert not named & step_arns, f"{name} invokes a step function directly"


def test_every_task_retries_all_but_the_final_errors() -> None:
    for name, st in _states(_definition()["States"]).items():
        if st["Type"] != "Task" or st["Resource"].endswith(".waitForTaskToken"):
            continue  # an approval is answered by a person once: no retry
        assert st["Retry"] == [{"ErrorEquals": FINAL_ERRORS, "MaxAttempts": 0}, TRANSIENT_RETRY], name


def test_waves_steps_and_rollback_keep_their_bounds() -> None:
    tpl = load_template(ROOT / "template.yaml")
    states = _states(_definition()["States"])
    for p in PROCESSORS:
        assert states[f"{p}RunSteps"]["MaxConcurrency"] == MAX_WAVE  # RL-1
    # After the step functions' timeout no invocation of theirs is still running (docs/state-machine.md).
    assert states["LetStepsInFlightEnd"]["Seconds"] == tpl["Globals"]["Function"]["Timeout"]


def _without_prefix(value: Any, prefix: str) -> Any:
    """A processor as if it had no prefix: names and transitions lose it."""
    if isinstance(value, dict):
        return {
            (k[len(prefix) :] if k.startswith(prefix) else k): _without_prefix(v, prefix)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_prefix(v, prefix) for v in value]
    if isinstance(value, str) and value.startswith(prefix):
        return value[len(prefix) :]
    return value


def _processor(name: str) -> dict[str, Any]:
    """The wave processor under a top-level Map (under its lane's Map for lanes)."""
    top = _definition()["States"][name]["ItemProcessor"]
    start = top["States"][top["StartAt"]]
    proc: dict[str, Any] = start["ItemProcessor"] if start["Type"] == "Map" and "ItemReader" in start else top
    return proc


def test_the_four_wave_processors_are_one() -> None:
    """Written four times (one per Distributed Map), they must not drift: the same states, tasks, retries
    and comments but for their prefix — and but for the cleanup's failed step, which is left (a warning)
    rather than worded and failed (after the point of no return nothing is undone)."""
    forward = _without_prefix(_processor(PROCESSORS["Forward"]), "Forward")
    assert _without_prefix(_processor(PROCESSORS["Join"]), "Join") == forward
    assert _without_prefix(_processor(PROCESSORS["Undo"]), "Undo") == forward
    cleanup = _without_prefix(_processor(PROCESSORS["Cleanup"]), "Cleanup")
    fwd_steps = forward["States"]["RunSteps"]["ItemProcessor"]["States"]
    cln_steps = cleanup["States"]["RunSteps"]["ItemProcessor"]["States"]
    failed = {"ExplainFailure", "StepFailed", "StepFailedAsIs"}
    assert set(fwd_steps) - set(cln_steps) == failed and set(cln_steps) - set(fwd_steps) == {"StepLeft"}
    assert cln_steps["StepLeft"]["Parameters"]["op"] == "left" and cln_steps["StepLeft"]["End"] is True
    kept = {k: v for k, v in fwd_steps.items() if k not in failed}
    as_left = json.loads(json.dumps(kept).replace('"ExplainFailure"', '"StepLeft"'))  # its Catch
    assert {k: v for k, v in cln_steps.items() if k != "StepLeft"} == as_left
    assert {k: v for k, v in cleanup["States"].items() if k != "RunSteps"} == {
        k: v for k, v in forward["States"].items() if k != "RunSteps"
    }


def test_functions_run_python313_on_arm64_with_narrow_policies() -> None:
    tpl = load_template(ROOT / "template.yaml")
    glob = tpl["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13" and glob["Architectures"] == ["arm64"]
    for name, res in tpl["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for pol in res["Properties"].get("Policies", []):
            for st in pol.get("Statement", []) if isinstance(pol, dict) else []:
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                assert not any(a.endswith(":*") or a == "*" for a in actions), (name, actions)
