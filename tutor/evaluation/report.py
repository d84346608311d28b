"""Text and HTML reports of one run. The HTML file stands alone (inline CSS and SVG, no script, no
CDN), so it opens offline: metric bars with the threshold marked, then the per-item table with failed
cases first, each with its inputs, a short output and every metric's value and reason.

The HTML is rendered by Jinja2 from templates/report.html.j2 with autoescape on: every value from the run
(suite, task, prompt id, model name, case inputs and outputs, reasons) is text in the page, never markup.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from tutor.evaluation.records import RunSummary
from tutor.evaluation.results import Run

TEMPLATES = Path(__file__).resolve().parent / "templates"

_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
tr.fail{background:#fde8e8}tr.pass{background:#eefbea}.num{text-align:right;font-variant-numeric:tabular-nums}
.small{color:#555;font-size:12px}h1{font-size:1.4rem}"""


def fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def summary_rows(run: Run) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, spread, threshold, status) for the text table."""
    summary = run.summary or RunSummary()
    return [(name, fmt(m.value), fmt(m.spread) if run.header.repeat > 1 else "", m.bound, m.status) for name, m in summary.metrics.items()]


def _bars(run: Run) -> dict:
    """One horizontal bar per metric whose value lies in [0, 1] (rates, shares), the threshold as a red tick."""
    summary = run.summary or RunSummary()
    metrics = [(n, m) for n, m in summary.metrics.items() if m.value is not None and 0 <= m.value <= 1]
    width, row, label = 640, 22, 170
    span = width - label - 60
    rows = []
    for i, (name, m) in enumerate(metrics):
        bound = m.bound.split()
        rows.append({"name": name, "y": 5 + i * row, "w": span * m.value, "value": m.value,
                     "color": "#c0392b" if m.passed is False else "#2e86c1",
                     "threshold_x": label + span * float(bound[1]) if len(bound) == 2 else None})
    return {"width": width, "height": row * len(metrics) + 10, "row": row, "label": label, "rows": rows}


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _output_text(outputs: dict) -> str:
    for key in ("text", "verdict"):
        if key in outputs:
            return str(outputs[key]) + (f" — {outputs.get('misconception')}" if key == "verdict" and outputs.get("misconception") else "")
    if "passages" in outputs:
        return " | ".join(f"{p['section']}: {p['text'][:80]}" for p in outputs["passages"][:3])
    if "items" in outputs:
        return " | ".join(f"[{i['type']}] {i['question']} → {i['answer']}" for i in outputs["items"])
    return _short(outputs)


@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")


def html_report(run: Run) -> str:
    h, s = run.header, run.summary or RunSummary()
    names = run.metric_names()
    cases = sorted(run.cases, key=lambda c: (c.passed, c.id, c.repeat))  # failures first
    rows = [{"id": c.id, "repeat": c.repeat, "passed": c.passed, "input": _short(c.inputs, 200), "output": _short(_output_text(c.outputs)),
             "metrics": [(fmt(c.metrics[n].value), c.metrics[n].reason) if n in c.metrics else ("-", "") for n in names]}
            for c in cases]
    return _template().render(title=f"{h.suite} · {run.id}", css=_CSS, h=h, s=s, bars=_bars(run), summary=summary_rows(run),
                              names=names, cases=rows)
