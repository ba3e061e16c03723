"""The rehearsal report (twin/report.py): drawn from two synthetic results, checked on the SVG and HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from profile_migrator.estate import parse_scenario

from twin.rehearsal import Result
from twin.report import Band, bands_of, write_report

NAME = "lambda.us-east-1.amazonaws.com"
VPCS = ["shared-services", "dev", "prod"]
NX_FROM, NX_TO = 402.0, 424.0  # the published step-7 window in prod

SCENARIO = parse_scenario(
    {
        "region": "us-east-1",
        "accounts": {"network": "111111111111"},
        "vpcs": {
            "shared-services": {"account": "network", "cidr": "10.0.0.0/16"},
            "dev": {"account": "network", "cidr": "10.1.0.0/16"},
            "prod": {"account": "network", "cidr": "10.2.0.0/16"},
        },
        "endpoints": {"lambda": {"vpc": "shared-services", "service": "lambda"}},
        "hosted_zones": {
            "lambda-zone": {
                "account": "network",
                "name": NAME,
                "vpcs": VPCS,
                "records": [{"name": NAME, "type": "A", "alias_to": "lambda"}],
            }
        },
        "profiles": {"central": {"account": "network"}},
        "migration": {"profile": "central", "endpoints": ["lambda"]},
    }
)

FINAL = {
    "vpcs": {v: {"account": "network", "cidr": f"10.{i}.0.0/16"} for i, v in enumerate(VPCS)},
    "endpoints": {"lambda": {"vpc": "shared-services", "service": "lambda", "private_dns": True}},
    "hosted_zones": {},
    "profiles": {"central": {"account": "network", "vpcs": VPCS, "endpoints": ["lambda"]}},
}


def _rows(samples: int, down: dict[str, int]) -> list[dict[str, object]]:
    return [
        {
            "vpc": v,
            "name": NAME,
            "samples": samples,
            "private": samples - down.get(v, 0),
            "public": 0,
            "nxdomain": down.get(v, 0),
            "other": 0,
            "downtime_seconds": float(down.get(v, 0)),
        }
        for v in VPCS
    ]


def _step(
    i: int, action: str, target: str, start: float, end: float, published: int | None = None
) -> dict[str, object]:
    s: dict[str, object] = {"index": i, "action": action, "target": target, "start": start, "end": end}
    if published is not None:
        s["published_step"] = published
    return s


def ours_result() -> Result:
    steps = [
        _step(1, "associate-vpc-with-profile", "shared-services", 1.0, 21.0),
        _step(2, "associate-zone-with-profile", "lambda-zone", 22.0, 42.0),
        _step(3, "enable-private-dns", "lambda", 45.0, 105.0),
        _step(4, "create-parking-vpc", "parking", 110.0, 113.0),
        _step(5, "disassociate-vpc-from-zone", "lambda-zone prod", 120.0, 150.0),
        _step(6, "delete-zone", "lambda-zone", 200.0, 230.0),
    ]
    return Result(
        "SUCCEEDED",
        "direct-phz",
        simulated_seconds=300.4,
        wall_seconds=4.2,
        aws_wait_seconds=240.0,
        state_transitions=143,
        lambda_invocations=37,
        api_calls={
            "route53:DisassociateVPCFromHostedZone": 3,
            "route53:GetChange": 20,
            "ec2:DescribeVpcEndpoints": 12,
            "ec2:ModifyVpcEndpoint": 1,
        },
        resolution=_rows(300, {}),
        final=FINAL,
        procedure="converge",
        steps=steps,
        transitions={f"{v}|{NAME}": [] for v in VPCS}
        | {f"parking|{NAME}": [(115.0, "public", "private"), (231.0, "private", "public")]},
    )


def baseline_result() -> Result:
    steps = [
        _step(1, "associate-vpc-with-profile", "shared-services", 20.0, 30.0, 1),
        _step(2, "associate-zone-with-profile", "lambda-zone", 50.0, 87.0, 1),
        _step(3, "enable-private-dns", "lambda", 150.0, 211.0, 3),
        _step(4, "disassociate-vpc-from-zone", "lambda-zone dev", 380.0, 381.0, 6),
        _step(5, "delete-zone-record", f"lambda-zone {NAME}", 401.0, 401.5, 7),
        _step(6, "delete-zone", "lambda-zone", 421.5, 423.0, 7),
    ]
    return Result(
        "SUCCEEDED",
        "direct-phz",
        simulated_seconds=450.2,
        wall_seconds=5.0,
        aws_wait_seconds=200.0,
        api_calls={
            "route53:DisassociateVPCFromHostedZone": 2,
            "route53:GetChange": 14,
            "route53:ChangeResourceRecordSets": 1,
            "route53:DeleteHostedZone": 1,
            "route53profiles:ListProfileAssociations": 4,
        },
        resolution=_rows(450, {"prod": int(NX_TO - NX_FROM)}),
        final=FINAL,
        procedure="published",
        steps=steps,
        transitions={
            f"shared-services|{NAME}": [],
            f"dev|{NAME}": [],
            f"prod|{NAME}": [(NX_FROM, "private", "nxdomain"), (NX_TO, "nxdomain", "private")],
        },
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return write_report(
        tmp_path / "report", SCENARIO, ours_result(), baseline_result(), title="path1-direct-phz"
    )


def _svg(report: Path) -> ET.Element:
    return ET.parse(report.parent / "timeline.svg").getroot()


def _q(tag: str) -> str:
    return "{http://www.w3.org/2000/svg}" + tag


def _panel(root: ET.Element, run: str) -> ET.Element:
    for g in root.iter(_q("g")):
        if g.get("id") == f"run-{run}":
            return g
    raise AssertionError(f"no panel for {run}")


def _classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def _bands(panel: ET.Element) -> list[ET.Element]:
    return [r for r in panel.iter(_q("rect")) if "band" in _classes(r)]


def _axis(panel: ET.Element) -> tuple[float, float, float]:
    """(x of t=0, pixels per simulated second, span) from the panel's axis line."""
    (axis,) = [ln for ln in panel.iter(_q("line")) if "axis" in _classes(ln)]
    x1, x2, span = (
        float(axis.get("x1", "nan")),
        float(axis.get("x2", "nan")),
        float(axis.get("data-span", "nan")),
    )
    return x1, (x2 - x1) / span, span


def _own_text(t: ET.Element) -> str:
    """A <text>'s visible text: its tspans, not its <title> tooltip."""
    out = t.text or ""
    for child in t:
        out += ("" if child.tag == _q("title") else "".join(child.itertext())) + (child.tail or "")
    return out


def _texts(el: ET.Element, cls: str) -> list[str]:
    return [_own_text(t) for t in el.iter(_q("text")) if cls in _classes(t)]


def test_writes_the_three_files(report: Path) -> None:
    assert report.name == "index.html"
    assert {p.name for p in report.parent.iterdir()} >= {"index.html", "timeline.svg", "result.json"}
    data = json.loads((report.parent / "result.json").read_text())
    assert data["ours"]["status"] == "SUCCEEDED" and data["ours"]["procedure"] == "converge"
    assert data["baseline"]["procedure"] == "published"
    assert data["baseline"]["resolution"][2]["downtime_seconds"] == 22.0
    assert data["transitions"]["baseline"][f"prod|{NAME}"] == [
        [NX_FROM, "private", "nxdomain"],
        [NX_TO, "nxdomain", "private"],
    ]


def test_baseline_nxdomain_window_is_a_red_sliver_in_prod_at_its_time(report: Path) -> None:
    base = _panel(_svg(report), "baseline")
    x0, scale, _span = _axis(base)
    red = [r for r in _bands(base) if "nxdomain" in _classes(r)]
    assert len(red) == 1
    (r,) = red
    assert r.get("data-vpc") == "prod" and r.get("fill") == "#d62728"
    assert float(r.get("x", "nan")) == pytest.approx(x0 + NX_FROM * scale, abs=0.01)
    assert float(r.get("width", "nan")) == pytest.approx((NX_TO - NX_FROM) * scale, abs=0.01)
    # prod is green before and after the window, the other VPCs green all along.
    prod = [
        (b.get("data-class"), float(b.get("data-from", "nan")), float(b.get("data-to", "nan")))
        for b in _bands(base)
        if b.get("data-vpc") == "prod"
    ]
    assert prod == [("private", 0.0, NX_FROM), ("nxdomain", NX_FROM, NX_TO), ("private", NX_TO, 450.0)]


def test_ours_is_all_green_for_the_watched_vpcs(report: Path) -> None:
    ours = _panel(_svg(report), "ours")
    x0, scale, _span = _axis(ours)
    watched = [b for b in _bands(ours) if b.get("data-vpc") in VPCS]
    assert {b.get("data-class") for b in watched} == {"private"}
    assert {b.get("fill") for b in watched} == {"#2e9e44"}
    for vpc in VPCS:
        (band,) = [b for b in watched if b.get("data-vpc") == vpc]
        assert float(band.get("x", "nan")) == pytest.approx(x0)
        assert float(band.get("width", "nan")) == pytest.approx(300 * scale, abs=0.01)
    assert not [r for r in ours.iter(_q("rect")) if r.get("fill") in ("#d62728", "#7f0d0d")]
    # The parking VPC (not watched) is drawn from its transitions: public, private, public.
    parking = [b.get("data-class") for b in _bands(ours) if b.get("data-vpc") == "parking"]
    assert parking == ["public", "private", "public"]


def test_both_runs_share_one_time_scale(report: Path) -> None:
    root = _svg(report)
    a, b = _axis(_panel(root, "ours")), _axis(_panel(root, "baseline"))
    assert a == b
    assert a[2] >= 450.2  # the longer run fits


def test_steps_are_labelled_bars_from_start_to_end(report: Path) -> None:
    root = _svg(report)
    for run, result in (("ours", ours_result()), ("baseline", baseline_result())):
        panel = _panel(root, run)
        x0, scale, _span = _axis(panel)
        labels = _texts(panel, "step-label")
        bars = [r for r in panel.iter(_q("rect")) if "step" in _classes(r)]
        assert len(labels) == len(bars) == len(result.steps)
        for step, label, bar in zip(result.steps, labels, bars, strict=True):
            assert str(step["action"]) in label
            assert str(step["target"])[:20] in label
            assert float(bar.get("x", "nan")) == pytest.approx(x0 + float(step["start"]) * scale, abs=0.01)
            assert float(bar.get("width", "nan")) == pytest.approx(
                max((float(step["end"]) - float(step["start"])) * scale, 2.0), abs=0.01
            )
    assert _texts(_panel(root, "baseline"), "step-label")[4].startswith("P7 #5 delete-zone-record")


def test_crowded_steps_collapse_consecutive_same_actions(tmp_path: Path) -> None:
    ours = ours_result()
    ours.steps = [
        _step(
            i + 1,
            "disassociate-vpc-from-zone" if 3 <= i < 15 else "associate-vpc-with-profile",
            f"lambda-zone vpc{i}",
            10.0 * i,
            10.0 * i + 5,
        )
        for i in range(20)
    ]
    root = _svg(write_report(tmp_path, SCENARIO, ours, None, "crowded"))
    panel = _panel(root, "ours")
    labels = _texts(panel, "step-label")
    assert len(labels) == 3
    assert "#4–15 disassociate-vpc-from-zone ×12" in labels[1]
    assert len([r for r in panel.iter(_q("rect")) if "step" in _classes(r)]) == 20


def _figure(html: str, label: str) -> list[str]:
    m = re.search(rf"<tr><th>{re.escape(label)}</th>(.*?)</tr>", html)
    assert m, f"no figures row {label!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))


def test_figures_table_has_both_runs_numbers(report: Path) -> None:
    html = report.read_text()
    assert _figure(html, "Status") == ["SUCCEEDED", "SUCCEEDED"]
    assert _figure(html, "Downtime in <code>prod</code>") == ["0 s", "22 s"]
    assert _figure(html, "Downtime in <code>dev</code>") == ["0 s", "0 s"]
    assert _figure(html, "Downtime, all VPCs") == ["0 s", "22 s"]
    assert _figure(html, "Simulated time") == ["300.4 s", "450.2 s"]
    assert _figure(html, "Waiting on AWS") == ["240 s", "200 s"]
    assert _figure(html, "Overhead (simulated / AWS wait)") == ["1.25×", "2.25×"]
    assert _figure(html, "State transitions") == ["143", "0"]
    assert _figure(html, "Lambda invocations") == ["37", "0"]
    assert _figure(html, "API calls") == ["36", "22"]
    assert _figure(html, "API calls, mutating") == ["4", "4"]


def test_page_is_self_contained_with_legend_title_and_final_estate(report: Path) -> None:
    html = report.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import|https?://""", html)
    assert "<svg" in html and "<style>" in html
    assert "<h1>Rehearsal — path1-direct-phz</h1>" in html
    for text in ("NXDOMAIN", "SERVFAIL / timeout", "public IPs", "private (endpoint IPs)", "unknown / error"):
        assert f">{text}</text>" in html
    assert (
        "<b>central</b> (network): VPCs <code>shared-services</code>, <code>dev</code>, <code>prod</code>; "
        "endpoints <code>lambda</code>" in html
    )
    assert "Remaining hosted zones" in html and "every self-managed zone is gone" in html
    assert "the published procedure SUCCEEDED with downtime: 22 s in prod" in html


def test_remaining_zone_and_failed_run_are_shown(tmp_path: Path) -> None:
    base = baseline_result()
    base.status, base.error = "FAILED", "ClientError: conflicting DNS domain"
    base.final = FINAL | {
        "hosted_zones": {"lambda-zone": {"account": "network", "name": NAME, "vpcs": ["prod"]}}
    }
    html = write_report(tmp_path, SCENARIO, ours_result(), base, "t").read_text()
    assert _figure(html, "Status") == ["SUCCEEDED", "FAILED"]
    assert "ClientError: conflicting DNS domain" in html
    assert f"<b>lambda-zone</b> <code>{NAME}</code>: VPCs <code>prod</code>; 0 records" in html


def test_without_baseline_there_is_one_panel(tmp_path: Path) -> None:
    report = write_report(tmp_path, SCENARIO, ours_result(), None, "solo")
    root = _svg(report)
    assert [g.get("id") for g in root.iter(_q("g")) if g.get("id")] == ["run-ours"]
    assert _figure(report.read_text(), "Status") == ["SUCCEEDED"]
    assert json.loads((tmp_path / "result.json").read_text())["baseline"] is None


def test_bands_follow_the_sampler_semantics() -> None:
    row = {"samples": 100, "private": 90, "public": 0, "nxdomain": 10, "downtime_seconds": 10.0}
    bands, clipped = bands_of([(40.0, "private", "servfail"), (50.0, "servfail", "private")], row, 100.0)
    assert bands == [Band(0, 40, "private"), Band(40, 50, "servfail"), Band(50, 100, "private")]
    assert not clipped
    # No transitions: the class of the first sample all along (a resolution row is private at its first).
    assert bands_of([], {"samples": 5, "private": 5}, 5.0) == ([Band(0, 5, "private")], False)
    assert bands_of([], None, 5.0) == ([Band(0, 5, "unknown")], False)
    # A class that changes at the last sample still shows.
    assert bands_of([(99.0, "private", "nxdomain")], row, 100.0)[0][-1] == Band(99, 100, "nxdomain")


def test_transition_times_outside_the_run_are_flagged(tmp_path: Path) -> None:
    base = baseline_result()
    base.transitions[f"prod|{NAME}"] = [
        (NX_FROM + 300, "private", "nxdomain"),
        (NX_TO + 300, "nxdomain", "private"),
    ]
    report = write_report(tmp_path, SCENARIO, ours_result(), base, "clock-times")
    assert "transition times fall outside the run" in report.read_text()
    assert _texts(_panel(_svg(report), "baseline"), "band-warning") == ["⚠"]
    assert not _texts(_panel(_svg(report), "ours"), "band-warning")


def test_bands_that_disagree_with_the_counts_are_flagged(tmp_path: Path) -> None:
    base = baseline_result()
    base.transitions[f"prod|{NAME}"] = []  # the row still counts 22 s of downtime
    report = write_report(tmp_path, SCENARIO, ours_result(), base, "disagree")
    assert "the bands show 0 s not private but the samples count 22 s of downtime" in report.read_text()
    assert _texts(_panel(_svg(report), "baseline"), "band-warning") == ["⚠"]
