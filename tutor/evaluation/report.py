"""Text and HTML reports of one run. The HTML file stands alone (inline CSS and SVG, no script, no
CDN), so it opens offline: metric bars with the threshold marked, then the per-item table with failed
cases first, each with its inputs, a short output and every metric's value and reason.
"""

from __future__ import annotations

import html
import json

from tutor.evaluation.results import Run

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
    rows = []
    for name, m in run.summary.get("metrics", {}).items():
        status = {True: "pass", False: "FAIL", None: ""}[m["passed"]]
        rows.append((name, fmt(m["value"]), fmt(m["spread"]) if run.header.get("repeat", 1) > 1 else "", m["bound"], status))
    return rows


def _bars_svg(run: Run) -> str:
    """One horizontal bar per metric whose values lie in [0, 1] (rates, shares), threshold as a red tick."""
    metrics = [(n, m) for n, m in run.summary.get("metrics", {}).items() if m["value"] is not None and 0 <= m["value"] <= 1]
    width, row, label = 640, 22, 170
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(metrics) + 10}" role="img" aria-label="metric bars">']
    for i, (name, m) in enumerate(metrics):
        y = 5 + i * row
        w = (width - label - 60) * m["value"]
        color = "#c0392b" if m["passed"] is False else "#2e86c1"
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(name)}</text>')
        parts.append(f'<rect x="{label}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>')
        parts.append(f'<text x="{label + w + 4:.1f}" y="{y + 14}" font-size="12">{m["value"]:.3f}</text>')
        bound = m["bound"].split()
        if len(bound) == 2:
            x = label + (width - label - 60) * float(bound[1])
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + row - 4}" stroke="#e74c3c" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


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


def html_report(run: Run) -> str:
    h = run.header
    title = f"{h['suite']} · {run.id}"
    rows = [f"<tr><td>{html.escape(n)}</td><td class=num>{v}</td><td class=num>{s}</td><td>{html.escape(b)}</td><td>{st}</td></tr>"
            for n, v, s, b, st in summary_rows(run)]
    cases = sorted(run.cases, key=lambda c: (c["passed"], c["id"], c["repeat"]))  # failures first
    names = run.metric_names()
    item_rows = []
    for c in cases:
        cells = "".join(
            f'<td class=num title="{html.escape(c["metrics"].get(n, {}).get("reason", ""))}">{fmt(c["metrics"].get(n, {}).get("value"))}</td>' for n in names
        )
        item_rows.append(
            f'<tr class="{"pass" if c["passed"] else "fail"}"><td>{html.escape(c["id"])}{"" if not c["repeat"] else " #" + str(c["repeat"])}</td>'
            f'<td>{"pass" if c["passed"] else "FAIL"}</td><td>{html.escape(_short(c["inputs"], 200))}</td>'
            f'<td>{html.escape(_short(_output_text(c["outputs"])))}</td>{cells}</tr>'
        )
    meta = f"task {h['task']} · model {html.escape(str(h.get('model_name')))} · prompt {h.get('prompt_id')} v{h.get('prompt_version')} · repeat {h.get('repeat')} · started {h.get('started')}"
    s = run.summary
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1><p class=small>{meta}</p>
<p>{s.get('cases_passed', 0)}/{s.get('cases', 0)} cases passed; failed gates: {html.escape(', '.join(s.get('failed', [])) or 'none')}</p>
<h2>Metrics</h2>{_bars_svg(run)}
<table><tr><th>metric</th><th>value</th><th>spread</th><th>threshold</th><th>status</th></tr>{''.join(rows)}</table>
<h2>Items (failures first)</h2>
<table id="items"><tr><th>id</th><th>verdict</th><th>input</th><th>output</th>{''.join(f'<th>{html.escape(n)}</th>' for n in names)}</tr>{''.join(item_rows)}</table>
<p class=small>Hover a value for its reason.</p></body></html>"""
