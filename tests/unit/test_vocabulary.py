"""The one vocabulary of step actions (issue 12): every action's spec is complete and consistent, and
every table of actions reads it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from profile_migrator import actions, planner, workflow
from profile_migrator.vocabulary import (
    ACTION_FUNCTIONS,
    CLEANUP,
    DESTRUCTIVE,
    INVERSE,
    LEFT_CODES,
    SPECS,
    STEP_FUNCTIONS,
    Action,
    Effect,
    WaitKind,
    actions_of_function,
    spec,
)

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"


def _function_source(function: str) -> str:
    """The app.py of a function, found through template.yaml's CodeUri."""
    template = (ROOT / "template.yaml").read_text()
    m = re.search(rf"^  {function}Function:\n(?:    .*\n)*?      CodeUri: (\S+)", template, re.M)
    assert m, f"{function}Function has no CodeUri in template.yaml"
    return (ROOT / m.group(1) / "app.py").read_text()


def test_every_action_has_one_spec() -> None:
    assert set(SPECS) == set(Action)
    assert spec("delete-zone") is SPECS[Action.DELETE_ZONE]
    with pytest.raises(ValueError, match="unknown step action 'create-zone'"):
        spec("create-zone")  # the inverse nobody performs is not in the vocabulary


@pytest.mark.parametrize("action", list(Action))
def test_inverse_of_inverse_is_the_action_or_the_action_is_irreversible_cleanup(action: Action) -> None:
    s = SPECS[action]
    if s.inverse is None:
        # Irreversible: only ever performed after the point of no return, so never undone.
        assert s.cleanup and s.effect is not Effect.UNDO_ONLY, action
        return
    back = SPECS[s.inverse].inverse
    # Undoing the undo gives the action back, unless the inverse is itself irreversible cleanup
    # (create-parking-vpc is undone by delete-parking-vpc, which nothing undoes).
    assert back == action or (back is None and SPECS[s.inverse].cleanup), (action, s.inverse, back)
    # An undo step runs in a function that performs the inverse.
    assert s.inverse in actions_of_function(SPECS[s.inverse].function)


@pytest.mark.parametrize("action", list(Action))
def test_every_function_exists_in_the_template_and_allows_its_actions(action: Action) -> None:
    function = SPECS[action].function
    assert f'step_handler("{function}")' in _function_source(function), (action, function)
    assert function in STEP_FUNCTIONS


@pytest.mark.parametrize("action", list(Action))
def test_every_perform_exists_and_every_wait_is_polled(action: Action) -> None:
    s = SPECS[action]
    assert callable(getattr(actions, s.perform, None)), f"actions.{s.perform} is missing"
    assert actions._ACTIONS[action] is getattr(actions, s.perform)
    for kind in s.waits:
        assert f"WaitKind.{kind.name}" in Path(actions.__file__).read_text(), f"poll() does not read {kind}"


def test_every_effect_is_simulated_by_the_planner_and_undo_only_actions_are_never_planned() -> None:
    source = Path(planner.__file__).read_text()
    for effect in Effect:
        if effect is not Effect.UNDO_ONLY:
            assert f"Effect.{effect.name}" in source, f"the planner's simulation does not handle {effect}"
    assert set(INVERSE) == {a for a, s in SPECS.items() if s.effect is not Effect.UNDO_ONLY}
    assert {w for s in SPECS.values() for w in s.waits} == set(WaitKind)


def test_the_old_tables_are_read_from_the_specs() -> None:
    assert CLEANUP <= DESTRUCTIVE and set(LEFT_CODES) == set(CLEANUP)
    assert set(ACTION_FUNCTIONS) == set(Action) == set(actions._ACTIONS)
    assert workflow.ACTION_FUNCTIONS is ACTION_FUNCTIONS and workflow.CLEANUP is CLEANUP
    assert sorted(STEP_FUNCTIONS) == sorted({s.function for s in SPECS.values()})


def test_the_vocabulary_and_the_pure_core_import_without_boto3() -> None:
    code = (
        f"import sys; sys.path[0:0] = [{str(LAYER)!r}]; sys.modules['boto3'] = None; "
        "sys.modules['botocore'] = None; "
        "import profile_migrator.vocabulary, profile_migrator.workflow; import profile_migrator.planner"
    )
    subprocess.run([sys.executable, "-I", "-c", code], check=True, capture_output=True)


def test_the_json_shape_is_unchanged() -> None:
    """A plan step's JSON holds plain strings (docs/scenario-format.md), not enum members."""
    import json

    from profile_migrator.estate import load_scenario

    p = planner.plan(load_scenario(ROOT / "examples" / "path1-direct-phz.yaml"))
    js = p.steps[0].to_json(1)
    assert type(js["action"]) is str and json.loads(json.dumps(js)) == js
    undo = workflow.undo_waves([{**js, "at": 1.0}], [])[0]["steps"][0]
    assert type(undo["action"]) is str and undo["action"] == INVERSE[p.steps[0].action]
