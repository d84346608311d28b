"""The HTML report is rendered with autoescape: markup planted anywhere in a run (a prompt id, the task,
a start time, a case's input, output or reason) shows as text and never runs in the page."""

from __future__ import annotations

from tutor.evaluation.records import CaseRecord, MetricSummary, RunHeader, RunSummary
from tutor.evaluation.report import html_report
from tutor.evaluation.results import Run

PLANTED = '<script>alert("x")</script>'


def _run() -> Run:
    header = RunHeader(run_id="r1", suite="explanation", task=f"explanation{PLANTED}", prompt_id=f"explain{PLANTED}",
                       prompt_version=2, model_name=f"fake{PLANTED}", started=f"2026-12-01{PLANTED}", repeat=1)
    case = CaseRecord(id=f"c1{PLANTED}", inputs={"question": PLANTED}, outputs={"text": f"an answer {PLANTED}"},
                      metrics={"grounding": {"value": 0.25, "reason": f"because {PLANTED}"}}, passed=False)
    summary = RunSummary(metrics={"grounding": MetricSummary(value=0.25, n=1, bound=">= 0.5", passed=False)},
                         failed=["grounding"], cases_passed=0, cases=1)
    return Run(header=header, cases=[case], summary=summary)


def test_markup_in_a_prompt_id_and_anywhere_else_is_escaped():
    page = html_report(_run())
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 7  # prompt id, task, model, started, case id, input, output, reason
    assert "explain&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; v2" in page
    # The report is still the report: bars with the threshold, the failing case first, its reason on hover.
    assert '<rect x="170"' in page and 'stroke="#e74c3c"' in page
    assert 'class="fail"' in page and 'title="because &lt;script&gt;' in page


def test_a_run_file_reads_back_as_typed_records(tmp_path):
    from tutor.evaluation.results import read_run
    from tutor.evaluation.runfile import write_line

    run = _run()
    path = tmp_path / "r1.jsonl"
    for record in (run.header, *run.cases, run.summary):
        write_line(path, record)
    back = read_run(path)
    assert isinstance(back.header, RunHeader) and back.header.prompt_version == 2
    assert back.cases[0].metrics["grounding"].value == 0.25 and back.summary.metrics["grounding"].passed is False
    assert html_report(back) == html_report(run)
