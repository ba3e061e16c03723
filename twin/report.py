"""The rehearsal report: our run beside the published replay, drawn from the :class:`Result` objects.

:func:`write_report` writes into a directory:

- ``timeline.svg``: both runs stacked on one time axis (simulated seconds from the run start). Each
  run shows its steps as bars from start to end, then one band per watched (VPC, service name)
  coloured by what the name resolved to, second by second;
- ``index.html``: a self-contained page (inline CSS and SVG; no script, no external fetch) with the
  timeline, the figures of both runs side by side and the final estate;
- ``result.json``: both results' ``to_json()`` (plus their transitions, so the report can be redrawn).

Bands are rebuilt from ``Result.transitions`` (sampler semantics: ``(t, from, to)`` at the first
sample of the new class; the class before the first transition is its ``from``, and a pair without
transitions kept the class of its first sample all along: ``private`` for a ``resolution`` row, which
only lists pairs private at their first sample). Times are taken as seconds from the run start, like
``Result.steps``; times outside the run are clipped and flagged on the page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.faults import is_mutating

if TYPE_CHECKING:
    from profile_migrator.estate import Scenario

    from twin.rehearsal import Result

__all__ = ["CLASS_COLOURS", "Band", "bands_of", "render_svg", "write_report"]

# -- colours and geometry ---------------------------------------------------------------------------

CLASS_COLOURS: dict[str, str] = {
    "private": "#2e9e44",  # green
    "public": "#f2a900",  # amber
    "nxdomain": "#d62728",  # red
    "servfail": "#7f0d0d",  # dark red
    "timeout": "#7f0d0d",
    "nodata": "#8e44ad",  # purple: the name exists but has no A record
    "unknown": "#a0a0a0",  # grey: error, unsampled, anything else
}
_LEGEND: list[tuple[str, str]] = [
    ("private", "private (endpoint IPs)"),
    ("public", "public IPs"),
    ("nxdomain", "NXDOMAIN"),
    ("servfail", "SERVFAIL / timeout"),
    ("nodata", "NODATA"),
    ("unknown", "unknown / error"),
]
STEP_COLOUR = "#3b6ea5"
WINDOW_COLOUR = "#d62728"  # translucent shading over the steps while some name is not private

WIDTH = 1240
LABEL_X = 12  # left edge of the row labels
PLOT_X0 = 360  # where t = 0 is drawn
PLOT_W = 780
RIGHT_X = PLOT_X0 + PLOT_W + 10  # the per-row figure (downtime) column
LEGEND_H = 34
HEADER_H = 28
SUBHEAD_H = 18
STEP_ROW = 18
BAND_ROW = 20
AXIS_H = 34
PANEL_GAP = 22
MAX_STEP_ROWS = 16  # more steps than this: consecutive steps of one action share a row
CHAR_W = 6.1  # average glyph width at 11 px, for truncating labels

FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"


def _colour(kind: str) -> str:
    return CLASS_COLOURS.get(kind, CLASS_COLOURS["unknown"])


def _css_class(kind: str) -> str:
    return kind if kind in CLASS_COLOURS else "unknown"


# -- data -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One run of equal resolution class for a (VPC, name), ``[t0, t1)`` in seconds from the run start."""

    t0: float
    t1: float
    kind: str


@dataclass
class _Pair:
    vpc: str
    name: str
    bands: list[Band]
    row: dict[str, Any] | None  # the `resolution` row (None: not watched)
    note: str = ""  # why the bands may not be trusted (drawn as a warning sign on the row)


@dataclass
class _StepRow:
    label: str
    detail: str
    steps: list[dict[str, Any]]


def _f(v: Any, default: float = 0.0) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _run_end(result: Result, row: dict[str, Any] | None) -> float:
    """Where a pair's last band ends: just past its last sample (one sample a second from t = 0)."""
    if row is not None and int(row.get("samples", 0) or 0) > 0:
        return float(row["samples"])
    return max(result.simulated_seconds, 0.0)


def _initial_class(changes: Sequence[tuple[float, str, str]], row: dict[str, Any] | None) -> str:
    if changes:
        return changes[0][1]
    if row is None:
        return "unknown"
    if int(row.get("private", 0) or 0) > 0:  # a resolution row is private at its first sample
        return "private"
    n = int(row.get("samples", 0) or 0)
    for kind in ("public", "nxdomain"):
        if n and int(row.get(kind, 0) or 0) == n:
            return kind
    return "unknown"


def bands_of(
    changes: Sequence[tuple[float, str, str]], row: dict[str, Any] | None, end: float
) -> tuple[list[Band], bool]:
    """Coloured runs ``[t0, t1)`` from ``0`` to ``end`` rebuilt from a pair's transitions, and whether
    some transition time fell outside ``[0, end]`` (clipped)."""
    out: list[Band] = []
    clipped = False
    kind = _initial_class(changes, row)
    t = 0.0
    for tc, _from, to in sorted(changes, key=lambda c: c[0]):
        tc = float(tc)
        if tc < 0 or tc > end + 1e-6:
            clipped = True
        tc = min(max(tc, 0.0), end)
        if tc > t:
            out.append(Band(t, tc, kind))
        t, kind = max(t, tc), to
    if end > t:
        out.append(Band(t, end, kind))
    return out, clipped


def _pairs(result: Result) -> tuple[list[_Pair], list[str]]:
    """The run's (VPC, name) pairs in sampling order (resolution rows first), and warnings."""
    rows = {(r["vpc"], r["name"]): r for r in result.resolution if "vpc" in r and "name" in r}
    keys: list[tuple[str, str]] = list(rows)
    for key in result.transitions:
        vpc, _, name = key.partition("|")
        if (vpc, name) not in rows:
            keys.append((vpc, name))
    pairs: list[_Pair] = []
    warnings: list[str] = []
    for vpc, name in keys:
        row = rows.get((vpc, name))
        changes = result.transitions.get(f"{vpc}|{name}", [])
        end = _run_end(result, row)
        bands, clipped = bands_of(changes, row, end)
        note = ""
        if clipped:
            latest = max(float(c[0]) for c in changes)
            note = (
                f"{vpc} {name}: transition times fall outside the run (latest t = {latest:.1f} s, run "
                f"{end:.1f} s); they may be clock times rather than seconds from the run start. The band is "
                f"clipped and may be misplaced."
            )
        elif row is not None:
            drawn = sum(b.t1 - b.t0 for b in bands if b.kind != "private")
            counted = _f(row.get("downtime_seconds"))
            if abs(drawn - counted) > 1.0:
                note = (
                    f"{vpc} {name}: the bands show {drawn:.0f} s not private but the samples count "
                    f"{counted:.0f} s of downtime."
                )
        if note:
            warnings.append(note)
        pairs.append(_Pair(vpc, name, bands, row, note))
    return pairs, warnings


def _downtime_by_vpc(result: Result) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in result.resolution:
        out[r["vpc"]] = out.get(r["vpc"], 0.0) + _f(r.get("downtime_seconds"))
    return out


def _step_rows(steps: Sequence[dict[str, Any]]) -> list[_StepRow]:
    """One row per step; when crowded, one row per run of consecutive steps with the same action."""

    def label_of(s: dict[str, Any]) -> str:
        pub = f"P{s['published_step']} " if s.get("published_step") is not None else ""
        return f"{pub}#{s.get('index', '?')}"

    if len(steps) <= MAX_STEP_ROWS:
        return [
            _StepRow(
                f"{label_of(s)} {s.get('action', '?')} {s.get('target', '')}".strip(), _step_detail(s), [s]
            )
            for s in steps
        ]
    groups: list[list[dict[str, Any]]] = []
    for s in steps:
        if groups and groups[-1][-1].get("action") == s.get("action"):
            groups[-1].append(s)
        else:
            groups.append([s])
    rows: list[_StepRow] = []
    for g in groups:
        first, last = g[0], g[-1]
        if len(g) == 1:
            rows.append(
                _StepRow(
                    f"{label_of(first)} {first.get('action', '?')} {first.get('target', '')}".strip(),
                    _step_detail(first),
                    g,
                )
            )
            continue
        targets = ", ".join(str(s.get("target", "")) for s in g if s.get("target"))
        rows.append(
            _StepRow(
                f"{label_of(first)}–{last.get('index', '?')} {first.get('action', '?')} ×{len(g)}: {targets}",
                "\n".join(_step_detail(s) for s in g),
                g,
            )
        )
    return rows


def _step_detail(s: dict[str, Any]) -> str:
    pub = f" (published step {s['published_step']})" if s.get("published_step") is not None else ""
    return (
        f"step {s.get('index', '?')}{pub}: {s.get('action', '?')} {s.get('target', '')} — "
        f"{_f(s.get('start')):.1f} s → {_f(s.get('end')):.1f} s"
    )


# -- SVG --------------------------------------------------------------------------------------------


def _nice_step(span: float, target_ticks: int = 10) -> float:
    raw = max(span, 1.0) / target_ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def _fmt_s(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def _trunc(text: str, width_px: float, char_w: float = CHAR_W) -> str:
    n = max(int(width_px / char_w), 4)
    return text if len(text) <= n else text[: n - 1] + "…"


def _a(v: Any) -> str:
    return escape(str(v), quote=True)


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        *,
        cls: str = "",
        title: str = "",
        extra: str = "",
        opacity: float | None = None,
    ) -> None:
        attrs = f'x="{x:.2f}" y="{y:.2f}" width="{max(w, 0):.2f}" height="{h:.2f}" fill="{fill}"'
        if cls:
            attrs = f'class="{cls}" ' + attrs
        if opacity is not None:
            attrs += f' fill-opacity="{opacity}"'
        if extra:
            attrs += " " + extra
        if title:
            self.add(f"<rect {attrs}><title>{escape(title)}</title></rect>")
        else:
            self.add(f"<rect {attrs}/>")

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        size: float = 11,
        fill: str = "#222",
        anchor: str = "start",
        weight: str = "normal",
        cls: str = "",
        title: str = "",
    ) -> None:
        c = f' class="{cls}"' if cls else ""
        t = f"<title>{escape(title)}</title>" if title else ""
        self.add(
            f'<text{c} x="{x:.2f}" y="{y:.2f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{t}{escape(s)}</text>'
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str,
        *,
        width: float = 1,
        cls: str = "",
        dash: str = "",
    ) -> None:
        c = f' class="{cls}"' if cls else ""
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line{c} x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" stroke="{stroke}" '
            f'stroke-width="{width}"{d}/>'
        )


@dataclass
class _Run:
    key: str  # "ours" | "baseline"
    heading: str
    result: Result
    pairs: list[_Pair]
    warnings: list[str]


def _span(runs: Iterable[_Run]) -> float:
    end = 1.0
    for run in runs:
        end = max(end, run.result.simulated_seconds)
        for s in run.result.steps:
            end = max(end, _f(s.get("end")), _f(s.get("start")))
        for p in run.pairs:
            if p.bands:
                end = max(end, p.bands[-1].t1)
    step = _nice_step(end)
    return math.ceil(end / step - 1e-9) * step


def _panel_height(run: _Run) -> float:
    n_steps = max(len(_step_rows(run.result.steps)), 1)
    n_pairs = max(len(run.pairs), 1)
    return HEADER_H + SUBHEAD_H + n_steps * STEP_ROW + 8 + SUBHEAD_H + n_pairs * BAND_ROW + AXIS_H


def _draw_panel(svg: _Svg, run: _Run, y0: float, span: float) -> float:
    """Draw one run from ``y0``; returns the y below it."""
    res = run.result
    scale = PLOT_W / span

    def x_of(t: float) -> float:
        return PLOT_X0 + min(max(t, 0.0), span) * scale

    height = _panel_height(run)
    svg.add(f'<g id="run-{run.key}" class="run" data-run="{run.key}" data-span="{span:g}">')
    svg.rect(0, y0, WIDTH, height, "#fafbfc", cls="panel-bg", extra='stroke="#e1e4e8"')
    ok = res.status == "SUCCEEDED"
    downtime = sum(_f(r.get("downtime_seconds")) for r in res.resolution)
    svg.add(
        f'<text class="run-title" x="{LABEL_X}" y="{y0 + 19:.2f}" font-size="14" font-weight="bold" '
        f'fill="#222">{escape(run.heading)}<tspan class="run-status" dx="10" font-size="12" '
        f'fill="{"#1a7f37" if ok else "#cf222e"}">{escape(res.status)}</tspan></text>'
    )
    svg.text(
        RIGHT_X + 80,
        y0 + 19,
        f"{_fmt_s(res.simulated_seconds)} s simulated · downtime {_fmt_s(downtime)} s",
        size=11,
        fill="#cf222e" if downtime > 0 else "#57606a",
        anchor="end",
        cls="run-summary",
    )

    # Sections.
    y = y0 + HEADER_H
    step_rows = _step_rows(res.steps)
    steps_top = y + SUBHEAD_H - 4
    steps_h = max(len(step_rows), 1) * STEP_ROW
    pairs_top = steps_top + steps_h + 8 + SUBHEAD_H
    pairs_h = max(len(run.pairs), 1) * BAND_ROW
    axis_y = pairs_top + pairs_h + 4

    # Grid lines and the axis (drawn first: under the bars).
    tick = _nice_step(span)
    t = 0.0
    while t <= span + 1e-9:
        x = x_of(t)
        svg.line(x, steps_top, x, axis_y, "#e6e8eb", cls="grid")
        svg.line(x, axis_y, x, axis_y + 4, "#57606a", cls="tick")
        svg.text(x, axis_y + 15, _fmt_s(t), size=10, fill="#57606a", anchor="middle", cls="tick-label")
        t += tick
    svg.add(
        f'<line class="axis" data-span="{span:g}" x1="{PLOT_X0:.2f}" y1="{axis_y:.2f}" '
        f'x2="{PLOT_X0 + PLOT_W:.2f}" y2="{axis_y:.2f}" stroke="#57606a" stroke-width="1"/>'
    )
    svg.text(
        PLOT_X0 + PLOT_W,
        axis_y + 28,
        "simulated seconds from the run start",
        size=10,
        fill="#57606a",
        anchor="end",
    )

    # Shade every stretch where some watched name was not private, across the steps.
    for p in run.pairs:
        for b in p.bands:
            if b.kind != "private" and p.row is not None:
                svg.rect(
                    x_of(b.t0),
                    steps_top,
                    max(x_of(b.t1) - x_of(b.t0), 2.0),
                    axis_y - steps_top,
                    WINDOW_COLOUR,
                    cls="window",
                    opacity=0.10,
                    title=f"{p.vpc}: {b.kind} {_fmt_s(b.t0)}–{_fmt_s(b.t1)} s",
                )

    # Steps.
    svg.text(LABEL_X, y + 12, "Steps", size=11, weight="bold", fill="#57606a", cls="section")
    if not step_rows:
        why = f" ({res.error})" if res.error else ""
        if res.problems:
            why = " (refused: " + ", ".join(p.get("code", "?") for p in res.problems) + ")"
        svg.text(PLOT_X0, steps_top + 13, _trunc("no steps" + why, PLOT_W), fill="#57606a", cls="no-steps")
    for i, sr in enumerate(step_rows):
        ry = steps_top + i * STEP_ROW
        svg.text(LABEL_X, ry + 13, _trunc(sr.label, PLOT_X0 - LABEL_X - 8), cls="step-label", title=sr.detail)
        for s in sr.steps:
            t0, t1 = _f(s.get("start")), _f(s.get("end"))
            x0, x1 = x_of(t0), x_of(max(t1, t0))
            svg.rect(
                x0,
                ry + 3,
                max(x1 - x0, 2.0),
                STEP_ROW - 6,
                STEP_COLOUR,
                cls="step",
                title=_step_detail(s),
                extra=(
                    f'rx="2" data-index="{_a(s.get("index", ""))}" data-action="{_a(s.get("action", ""))}" '
                    f'data-target="{_a(s.get("target", ""))}" data-start="{t0:g}" data-end="{t1:g}"'
                ),
            )
        if len(sr.steps) == 1:  # the step's length beside its bar, when it is worth saying
            s = sr.steps[0]
            d = _f(s.get("end")) - _f(s.get("start"))
            if d >= 1:
                xe = x_of(_f(s.get("end"))) + 4
                if xe < PLOT_X0 + PLOT_W - 30:
                    svg.text(xe, ry + 13, f"{_fmt_s(d)} s", size=9, fill="#57606a", cls="step-duration")

    # Resolution bands.
    svg.text(
        LABEL_X,
        pairs_top - 6,
        "DNS answer per VPC (sampled every simulated second)",
        size=11,
        weight="bold",
        fill="#57606a",
        cls="section",
    )
    svg.text(RIGHT_X + 80, pairs_top - 6, "downtime", size=10, fill="#57606a", anchor="end")
    names = {p.name for p in run.pairs}
    if not run.pairs:
        svg.text(PLOT_X0, pairs_top + 13, "no samples", fill="#57606a")
    for i, p in enumerate(run.pairs):
        ry = pairs_top + i * BAND_ROW
        label = p.vpc if len(names) == 1 else f"{p.vpc} · {p.name}"
        svg.text(
            LABEL_X,
            ry + 14,
            _trunc(label, PLOT_X0 - LABEL_X - 8),
            cls="band-label",
            title=f"{p.vpc} {p.name}",
            weight="bold" if p.row is not None else "normal",
            fill="#222" if p.row is not None else "#8c959f",
        )
        for b in p.bands:
            x0, x1 = x_of(b.t0), x_of(b.t1)
            w = x1 - x0 if b.kind == "private" else max(x1 - x0, 2.0)  # a 1-second blip stays visible
            svg.rect(
                x0,
                ry + 3,
                w,
                BAND_ROW - 6,
                _colour(b.kind),
                cls=f"band {_css_class(b.kind)}",
                title=f"{p.vpc} {p.name}: {b.kind} from {_fmt_s(b.t0)} s to {_fmt_s(b.t1)} s",
                extra=(
                    f'data-vpc="{_a(p.vpc)}" data-name="{_a(p.name)}" data-class="{_a(b.kind)}" '
                    f'data-from="{b.t0:g}" data-to="{b.t1:g}"'
                ),
            )
        if p.row is None:
            svg.text(RIGHT_X + 80, ry + 14, "not watched", size=10, fill="#8c959f", anchor="end")
        else:
            dt = _f(p.row.get("downtime_seconds"))
            svg.text(
                RIGHT_X + 80,
                ry + 14,
                f"{_fmt_s(dt)} s",
                size=11,
                anchor="end",
                cls="downtime",
                weight="bold" if dt > 0 else "normal",
                fill="#cf222e" if dt > 0 else "#1a7f37",
            )
        if p.note:
            svg.text(RIGHT_X + 36, ry + 14, "⚠", size=13, fill="#bf8700", cls="band-warning", title=p.note)
    svg.add("</g>")
    return y0 + height


def _draw_legend(svg: _Svg, y: float) -> None:
    x: float = LABEL_X
    svg.add('<g class="legend">')
    for kind, text in _LEGEND:
        svg.rect(x, y + 6, 14, 12, _colour(kind), cls=f"legend-swatch {kind}")
        svg.text(x + 19, y + 16, text, size=11)
        x += 19 + len(text) * 6.6 + 20
    svg.rect(x, y + 8, 22, 8, STEP_COLOUR, cls="legend-swatch step", extra='rx="2"')
    svg.text(x + 27, y + 16, "step, start → end", size=11)
    x += 27 + 17 * 6.6 + 20
    svg.rect(x, y + 4, 14, 16, WINDOW_COLOUR, cls="legend-swatch window", opacity=0.15)
    svg.text(x + 19, y + 16, "some watched VPC not private", size=11)
    svg.add("</g>")


def _runs(ours: Result, baseline: Result | None) -> list[_Run]:
    runs = []
    proc = ours.procedure or "converge"
    ours_heading = "Ours — state machine" if proc == "converge" else f"Ours — {proc}"
    for key, heading, res in (
        ("ours", ours_heading, ours),
        ("baseline", "Published procedure, replayed literally", baseline),
    ):
        if res is None:
            continue
        pairs, warnings = _pairs(res)
        runs.append(_Run(key, heading, res, pairs, warnings))
    return runs


def render_svg(ours: Result, baseline: Result | None, title: str = "") -> str:
    """The timeline of both runs on one time scale, as a standalone SVG document."""
    return _render(_runs(ours, baseline), title)


def _render(runs: list[_Run], title: str) -> str:
    span = _span(runs)
    height = 10 + LEGEND_H + sum(_panel_height(r) + PANEL_GAP for r in runs) + 4
    svg = _Svg()
    svg.add(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="{_a(FONT)}" role="img" '
        f'aria-label="{_a("Rehearsal timeline " + title)}">'
    )
    svg.add(f"<title>{escape('Rehearsal timeline: ' + title if title else 'Rehearsal timeline')}</title>")
    svg.rect(0, 0, WIDTH, height, "#ffffff")
    _draw_legend(svg, 8)
    y: float = 10 + LEGEND_H
    for run in runs:
        y = _draw_panel(svg, run, y, span) + PANEL_GAP
    svg.add("</svg>")
    return "\n".join(svg.parts) + "\n"


# -- HTML -------------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 24px auto; max-width: 1260px; padding: 0 12px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.sub { color: #57606a; margin: 0 0 16px; }
.verdict { padding: 10px 14px; border-radius: 6px; margin: 12px 0; font-weight: 600; }
.verdict.good { background: #dafbe1; border: 1px solid #4ac26b; }
.verdict.bad { background: #ffebe9; border: 1px solid #ff8182; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
.figure { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; }
.figure svg { display: block; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { color: #cf222e; font-weight: 600; } td.good { color: #1a7f37; }
.cols { display: flex; gap: 28px; flex-wrap: wrap; } .cols > div { flex: 1 1 420px; }
code { background: #f6f8fa; padding: 0 4px; border-radius: 4px; font-size: 13px; }
ul { margin: 4px 0; padding-left: 20px; } .muted { color: #57606a; }
details { margin: 6px 0; } summary { cursor: pointer; color: #0969da; }
"""


def _num(v: float, unit: str = "") -> str:
    return f"{_fmt_s(v)}{unit}"


def _figures(runs: list[_Run]) -> str:
    res = [r.result for r in runs]
    head = "".join(f"<th>{escape(r.heading)}</th>" for r in runs)
    rows: list[str] = []

    def row(label: str, cells: list[str], classes: list[str] | None = None) -> None:
        cls = classes or ["num"] * len(cells)
        tds = "".join(f'<td class="{c}">{v}</td>' for v, c in zip(cells, cls, strict=True))
        rows.append(f"<tr><th>{label}</th>{tds}</tr>")

    row(
        "Status", [escape(r.status) for r in res], ["good" if r.status == "SUCCEEDED" else "bad" for r in res]
    )
    row("Architecture", [escape(r.architecture) for r in res], [""] * len(res))
    downtimes = [_downtime_by_vpc(r) for r in res]
    vpcs: list[str] = []
    for d in downtimes:
        vpcs += [v for v in d if v not in vpcs]
    for vpc in vpcs:
        cells, cls = [], []
        for d in downtimes:
            if vpc in d:
                cells.append(_num(d[vpc], " s"))
                cls.append("num bad" if d[vpc] > 0 else "num good")
            else:
                cells.append("—")
                cls.append("num")
        row(f"Downtime in <code>{escape(vpc)}</code>", cells, cls)
    totals = [sum(d.values()) for d in downtimes]
    row(
        "Downtime, all VPCs",
        [_num(t, " s") for t in totals],
        ["num bad" if t > 0 else "num good" for t in totals],
    )
    row("Simulated time", [_num(r.simulated_seconds, " s") for r in res])
    row("Waiting on AWS", [_num(r.aws_wait_seconds, " s") for r in res])
    row(
        "Overhead (simulated / AWS wait)",
        [f"{r.simulated_seconds / r.aws_wait_seconds:.2f}×" if r.aws_wait_seconds > 0 else "—" for r in res],
    )
    if len(res) == 2 and res[1].simulated_seconds > 0:  # ours beside the published replay
        ratio = res[0].simulated_seconds / res[1].simulated_seconds
        row(
            "Simulated time against the published replay",
            [f"{ratio:.2f}×", "1.00×"],
            ["num good" if ratio <= 1 else "num bad", "num"],
        )
    row("Wall time", [f"{r.wall_seconds:.1f} s" for r in res])
    row("Steps", [str(len(r.steps)) for r in res])
    row("State transitions", [str(r.state_transitions) for r in res])
    row("Lambda invocations", [str(r.lambda_invocations) for r in res])
    costs = [r.cost for r in res]
    if any(costs):
        for label, key, sub in (
            ("Transitions per endpoint", "per_endpoint", "transitions"),
            ("Lambda invocations per endpoint", "per_endpoint", "lambda_invocations"),
            ("Transitions per (VPC, name) pair", "per_pair", "transitions"),
        ):
            row(label, [f"{c[key][sub]:g}" if c else "—" for c in costs])
        row("Cost (Step Functions + Lambda)", [f"${c['usd']:.5f}" if c else "—" for c in costs])
        row("Cost per endpoint", [f"${c['per_endpoint']['usd']:.5f}" if c else "—" for c in costs])
        row("Cost per (VPC, name) pair", [f"${c['per_pair']['usd']:.6f}" if c else "—" for c in costs])
    row("API calls", [str(sum(r.api_calls.values())) for r in res])
    row("API calls, mutating", [str(_mutating(r.api_calls)) for r in res])
    row(
        "Approvals",
        [
            escape(
                ", ".join(f"{a.get('action', '?')}: {a.get('answer', '?')}" for a in r.approvals) or "none"
            )
            for r in res
        ],
        [""] * len(res),
    )
    table = f'<table class="figures"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
    details = []
    for run in runs:
        calls = run.result.api_calls
        if not calls:
            continue
        items = "".join(
            f'<tr><td><code>{escape(k)}</code></td><td class="num">{v}</td>'
            f"<td>{'mutating' if is_mutating(k.partition(':')[2] or k) else 'read'}</td></tr>"
            for k, v in sorted(calls.items())
        )
        details.append(
            f"<details><summary>API calls of {escape(run.heading)}</summary>"
            f"<table><tr><th>call</th><th>count</th><th></th></tr>{items}</table></details>"
        )
    return table + "".join(details)


def _mutating(calls: dict[str, int]) -> int:
    return sum(n for k, n in calls.items() if is_mutating(k.partition(":")[2] or k))


def _list(items: Iterable[Any]) -> str:
    xs = [f"<code>{escape(str(i))}</code>" for i in items]
    return ", ".join(xs) if xs else '<span class="muted">none</span>'


def _estate(final: dict[str, Any]) -> str:
    if not final:
        return '<p class="muted">not read back</p>'
    parts: list[str] = []
    profiles = final.get("profiles") or {}
    parts.append("<h3>Profiles</h3>")
    if profiles:
        parts.append("<ul>")
        for name, p in profiles.items():
            parts.append(
                f"<li><b>{escape(name)}</b> ({escape(str(p.get('account', '?')))}): VPCs {_list(p.get('vpcs', []))}; "
                f"endpoints {_list(p.get('endpoints', []))}; hosted zones {_list(p.get('hosted_zones', []))}"
                + (f"; shared with {_list(p.get('shared_with', []))}" if p.get("shared_with") else "")
                + "</li>"
            )
        parts.append("</ul>")
    else:
        parts.append('<p class="muted">none</p>')
    endpoints = final.get("endpoints") or {}
    parts.append("<h3>Endpoints</h3>")
    if endpoints:
        parts.append("<ul>")
        for name, e in endpoints.items():
            dns = "Private DNS on" if e.get("private_dns") else "Private DNS off"
            parts.append(
                f"<li><b>{escape(name)}</b> in <code>{escape(str(e.get('vpc', '?')))}</code>: "
                f"{escape(str(e.get('service', '')))}, {dns}, {escape(str(e.get('state', 'Available')))}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append('<p class="muted">none</p>')
    zones = final.get("hosted_zones") or {}
    parts.append("<h3>Remaining hosted zones</h3>")
    if zones:
        parts.append("<ul>")
        for name, z in zones.items():
            n_rec = len(z.get("records") or [])
            parts.append(
                f"<li><b>{escape(name)}</b> <code>{escape(str(z.get('name', '')))}</code>: VPCs "
                f"{_list(z.get('vpcs', []))}; {n_rec} record{'s' if n_rec != 1 else ''}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append('<p class="good muted">none — every self-managed zone is gone</p>')
    vpcs = final.get("vpcs") or {}
    if vpcs:
        parts.append(f'<p class="muted">VPCs: {_list(vpcs)}</p>')
    return "".join(parts)


def _scenario_line(scn: Scenario) -> str:
    bits = [
        f"region <code>{escape(scn.region)}</code>",
        f"{len(scn.vpcs)} VPC{'s' if len(scn.vpcs) != 1 else ''}",
        f"{len(scn.endpoints)} endpoint{'s' if len(scn.endpoints) != 1 else ''}",
        f"{len(scn.hosted_zones)} hosted zone{'s' if len(scn.hosted_zones) != 1 else ''}",
    ]
    m = scn.migration
    if m is not None:
        bits.append(
            f"migrating {_list(m.endpoints)} to Profile <code>{escape(m.profile)}</code> "
            f"(approvals {escape(m.approvals)}, parking {escape(m.parking_vpc)})"
        )
    else:
        bits.append("no migration requested")
    return " · ".join(bits)


def _verdict(runs: list[_Run]) -> str:
    ours = runs[0].result
    down = sum(_f(r.get("downtime_seconds")) for r in ours.resolution)
    good = ours.status == "SUCCEEDED" and down == 0
    text = f"Our run {ours.status}"
    text += " with no DNS downtime" if down == 0 else f" with {_fmt_s(down)} s of DNS downtime"
    if ours.warnings:
        text += f", leaving {len(ours.warnings)} thing(s) for a person to clean up (below)"
    if len(runs) > 1:
        b = runs[1].result
        bdown = _downtime_by_vpc(b)
        worst = [f"{_fmt_s(v)} s in {k}" for k, v in bdown.items() if v > 0]
        text += f"; the published procedure {b.status}"
        text += (" with downtime: " + ", ".join(worst)) if worst else " with no DNS downtime"
    return f'<div class="verdict {"good" if good else "bad"}">{escape(text)}.</div>'


def render_html(scn: Scenario, runs: list[_Run], title: str, svg: str) -> str:
    warnings = [w for r in runs for w in r.warnings]
    warn_html = "".join(f'<div class="warn">{escape(w)}</div>' for w in warnings)
    errors = "".join(
        f'<div class="warn error"><b>{escape(r.heading)}</b> {escape(r.result.status)}: '
        f"{escape(r.result.error)}</div>"
        for r in runs
        if r.result.error
    )
    # What a run that passed the point of no return left for a person (rehearse --json ``warnings``).
    errors += "".join(
        f'<div class="warn left"><b>{escape(r.heading)}</b> left {escape(w.get("code", "?"))} '
        f"{escape(w.get('resource', ''))}: {escape(w.get('message', ''))}</div>"
        for r in runs
        for w in r.result.warnings
    )
    problems = "".join(
        f'<div class="warn"><b>{escape(r.heading)}</b> problem {escape(p.get("code", "?"))} '
        f"{escape(p.get('resource', ''))}: {escape(p.get('message', ''))}</div>"
        for r in runs
        for p in r.result.problems
    )
    estates = "".join(
        f"<div><h2>Final estate — {escape(r.heading)}</h2>{_estate(r.result.final)}</div>" for r in runs
    )
    inline_svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rehearsal — {escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Rehearsal — {escape(title)}</h1>
<p class="sub">{_scenario_line(scn)}</p>
{_verdict(runs)}
{errors}{problems}{warn_html}
<h2>Timeline</h2>
<p class="muted">Both runs on the same time scale (simulated seconds from each run's start). Steps are bars
from start to end; below them, what each VPC's resolver answered for the service name, second by second.
Hover a bar for details.</p>
<div class="figure">
{inline_svg}</div>
<h2>Figures</h2>
{_figures(runs)}
<div class="cols">{estates}</div>
<p class="muted">Files: <code>timeline.svg</code> (the figure above), <code>result.json</code> (both runs'
results).</p>
</body>
</html>
"""


def write_report(directory: Path, scn: Scenario, ours: Result, baseline: Result | None, title: str) -> Path:
    """Write ``index.html``, ``timeline.svg`` and ``result.json`` into ``directory``; return the HTML's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    runs = _runs(ours, baseline)
    svg = _render(runs, title)
    (directory / "timeline.svg").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg, encoding="utf-8"
    )
    data = {
        "title": title,
        "ours": ours.to_json(),
        "baseline": baseline.to_json() if baseline is not None else None,
        "transitions": {
            r.key: {k: [list(c) for c in v] for k, v in r.result.transitions.items()} for r in runs
        },
    }
    (directory / "result.json").write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    index = directory / "index.html"
    index.write_text(render_html(scn, runs, title, svg), encoding="utf-8")
    return index
