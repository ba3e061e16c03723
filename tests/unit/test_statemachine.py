"""The ASL and the SAM template agree with each other and with the code (statelint, generator, wiring)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from profile_migrator.workflow import ACTION_FUNCTIONS, STEP_FUNCTIONS
from statelint.config import Config
from statelint.linter import Linter

from twin.deploy import load_template

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted((ROOT / "statemachine").glob("*.asl.json"))
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


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


def test_committed_migration_definition_is_the_generated_one() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("sm_generate", ROOT / "statemachine" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = json.loads((ROOT / "statemachine" / "migrate.asl.json").read_text())
    assert committed == mod.definition(), "run: python statemachine/generate.py"


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
        for key, value in subs.items():
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"][0]
                assert target in resources, key
                code = ROOT / resources[target]["Properties"]["CodeUri"] / "app.py"
                assert code.exists(), code


def test_every_step_action_has_a_function_in_the_template_and_asl() -> None:
    tpl = load_template(ROOT / "template.yaml")
    asl = (ROOT / "statemachine" / "migrate.asl.json").read_text()
    for fn in set(ACTION_FUNCTIONS.values()):
        assert f"{fn}Function" in tpl["Resources"], fn
        assert f"${{{fn}FunctionArn}}" in asl, fn
    assert sorted(STEP_FUNCTIONS) == sorted(set(ACTION_FUNCTIONS.values()))


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
