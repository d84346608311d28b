"""`tutor eval`: run suites, score outside outputs, compare runs, report, history.

Exit status: 0 when every gated metric meets its threshold, 1 when one falls under it (so `make eval`
and CI gate on it), 2 for a usage error (a TutorError, turned into one line by tutor.cli.main).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from tutor.config import get_settings

eval_app = typer.Typer(help="Offline evals: suites of cases, metrics with thresholds, comparisons and reports.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


def _suite(ref: str):
    from tutor.evaluation.suite import load_suite

    path = Path(ref)
    if not path.exists() and not ref.endswith((".yaml", ".yml")):
        path = Path("evals/suites") / f"{ref}.yaml"
    return load_suite(path)


def _progress():
    from contextlib import contextmanager

    @contextmanager
    def bar():
        if not sys.stderr.isatty():
            yield None
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("cases"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True) as p:
            task = p.add_task("cases", total=None)

            def update(event: str, amount: int) -> None:
                p.update(task, total=amount) if event == "total" else p.advance(task, amount)

            yield update

    return bar()


def _print_summary(run) -> None:
    from rich.console import Console
    from rich.table import Table

    from tutor.evaluation.report import summary_rows

    h, s = run.header, run.summary
    table = Table(title=f"{h['suite']} ({h['task']}) · {h.get('model_name')} · prompt {h.get('prompt_id') or '-'} v{h.get('prompt_version') or '-'}")
    for col in ("metric", "value", "spread", "threshold", "status"):
        table.add_column(col, justify="right" if col in ("value", "spread") else "left")
    for row in summary_rows(run):
        table.add_row(*row)
    console = Console()
    console.print(table)
    extra = f"cases passed {s.get('cases_passed')}/{s.get('cases')}"
    if "cache" in s:
        extra += f" · model calls {s['cache']['misses']}, from cache {s['cache']['hits']}"
    if "judge" in s:
        extra += f" · judge ({s['judge']['model']}, beside the metrics): {s['judge']['value']}"
    if "resumed" in s:
        extra += f" · resumed: {s['resumed']['cases_recorded_before']} case line(s) kept, {s['resumed']['cases_run']} run now"
    console.print(extra)
    console.print(f"run {run.id} -> {run.path}")


def _exit_for(run) -> None:
    if run.summary.get("failed"):
        typer.secho(f"below threshold: {', '.join(run.summary['failed'])}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


@eval_app.command("run")
def run_cmd(
    suite: str = typer.Argument(..., help="Suite file, or a name in evals/suites/."),
    model: Optional[str] = typer.Option(None, "--model", help="A model configuration named in the suite (default: its first), or local/openai/fake."),
    prompt_version: Optional[int] = typer.Option(None, "--prompt-version", help="Version of the suite's main prompt."),
    repeat: int = typer.Option(1, "--repeat", min=1, max=20, help="Run each case N times and report the spread."),
    params: list[str] = typer.Option([], "--set", help="Override a suite parameter, e.g. --set mode=dense (recorded in the run)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run a suite; exit 1 when a metric falls under its threshold.

    Each case's line is on disk once it is done: if the run is killed, `tutor eval resume SUITE`
    finishes it (same model, prompt, --set and --repeat) instead of starting over.
    """
    import yaml

    from tutor.errors import InvalidInputError
    from tutor.evaluation.runner import run_suite

    loaded = _suite(suite)
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--set takes KEY=VALUE, not '{item}'.")
        loaded.params[key.strip()] = yaml.safe_load(value)  # so k=5 is a number and mode=dense a string
    with _progress() as progress:
        run = run_suite(loaded, get_settings(), model=model, prompt_version=prompt_version, repeat=repeat, progress=progress)
    _show_run(run, as_json)


def _show_run(run, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"run": run.id, "path": str(run.path), **run.summary.to_json()}, indent=2))
    else:
        _print_summary(run)
    _exit_for(run)


@eval_app.command("resume")
def resume_cmd(
    ref: str = typer.Argument(..., metavar="RUN_OR_SUITE", help="Run id or run file; or a suite (name or file) for its newest unfinished run."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Finish an interrupted run with its recorded settings: only cases without a line run; exit 1 under a threshold."""
    from tutor.evaluation.resume import pick_run, resume_run

    settings = get_settings()
    def announce(run, dropped_cut_line: bool) -> None:
        # Said once the checks pass, so whoever named only a suite knows which run is being finished.
        cut = ", a cut last line dropped" if dropped_cut_line else ""
        typer.echo(f"resuming run {run.id} ({len(run.cases)} case line(s) already on disk{cut})", err=True)

    with _progress() as progress:
        run = resume_run(pick_run(ref, settings.home), settings, progress=progress, announce=announce)
    _show_run(run, as_json)


@eval_app.command("score")
def score_cmd(
    suite: str = typer.Argument(..., help="Suite file, or a name in evals/suites/."),
    outputs: Path = typer.Option(..., "--outputs", exists=True, dir_okay=False, help='JSONL: {"id": CASE, "outputs": {...}} per line.'),
) -> None:
    """Score outputs produced elsewhere, without calling a model; exit 1 under a threshold."""
    from tutor.evaluation.runner import score_outputs

    run = score_outputs(_suite(suite), get_settings(), outputs)
    _print_summary(run)
    if run.summary.get("missing_cases"):
        typer.secho(f"{len(run.summary['missing_cases'])} case(s) had no output: {', '.join(run.summary['missing_cases'][:10])}", err=True)
    _exit_for(run)


@eval_app.command("compare")
def compare_cmd(
    run_a: str = typer.Argument(..., help="Run id, run file, or latest:SUITE."),
    run_b: str = typer.Argument(..., help="Run id, run file, or latest:SUITE."),
    as_json: bool = typer.Option(False, "--json"),
    limit: int = typer.Option(20, "--limit", help="Changed items to show."),
) -> None:
    """Per-metric deltas (B - A) with bootstrap 95% intervals, and the items that changed verdict."""
    from rich.console import Console
    from rich.table import Table

    from tutor.evaluation.compare import compare
    from tutor.evaluation.report import _output_text, fmt
    from tutor.evaluation.results import find_run

    home = get_settings().home
    a, b = find_run(run_a, home), find_run(run_b, home)
    result = compare(a, b)
    if as_json:
        typer.echo(json.dumps({"a": a.id, "b": b.id, "metrics": [m.__dict__ for m in result["metrics"]],
                               "changed": [{"id": c["id"], "a_passed": c["a_passed"], "b_passed": c["b_passed"]} for c in result["changed"]]}, indent=2))
        return
    console = Console()
    table = Table(title=f"A = {a.id}\nB = {b.id}")
    for col in ("metric", "A", "B", "delta", "95% interval", "n", ""):
        table.add_column(col, justify="left" if col in ("metric", "") else "right")
    for m in result["metrics"]:
        interval = f"[{m.low:+.3f}, {m.high:+.3f}]" if m.low is not None else "-"
        table.add_row(m.name, fmt(m.a), fmt(m.b), f"{m.delta:+.3f}" if m.delta is not None else "-", interval, str(m.n), "changed" if m.significant else "")
    console.print(table)
    changed = result["changed"]
    console.print(f"{len(changed)} item(s) changed verdict")
    if changed:
        items = Table()
        for col in ("id", "A", "B", "A output", "B output"):
            items.add_column(col)
        for c in changed[:limit]:
            items.add_row(c["id"], "pass" if c["a_passed"] else "FAIL", "pass" if c["b_passed"] else "FAIL",
                          " ".join(_output_text(c["a"]["outputs"]).split())[:120], " ".join(_output_text(c["b"]["outputs"]).split())[:120])
        console.print(items)


@eval_app.command("report")
def report_cmd(
    run: str = typer.Argument(..., help="Run id, run file, or latest:SUITE."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write a self-contained HTML report here."),
) -> None:
    """Summary of a run; with --html, a standalone report with plots and the per-item table (failures first)."""
    from tutor.evaluation.report import html_report
    from tutor.evaluation.results import find_run

    found = find_run(run, get_settings().home)
    _print_summary(found)
    if html:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(html_report(found), encoding="utf-8")
        typer.echo(f"report -> {html}")


@eval_app.command("history")
def history_cmd(
    suite: str = typer.Argument(..., help="Suite name or file."),
    metric: Optional[str] = typer.Option(None, "--metric", help="Metric to trend (default: the first gated one)."),
) -> None:
    """A metric's trend over the suite's past runs, oldest first."""
    from rich.console import Console
    from rich.table import Table

    from tutor.evaluation.report import fmt
    from tutor.evaluation.results import list_runs

    loaded = _suite(suite)
    metric = metric or loaded.metrics[0].name
    runs = list_runs(loaded.name, get_settings().home)
    if not runs:
        typer.echo(f"No finished runs of '{loaded.name}' yet: tutor eval run {suite}")
        return
    values = [r.summary["metrics"].get(metric, {}).get("value") for r in runs]
    present = [v for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0, 0)
    blocks = "▁▂▃▄▅▆▇█"
    spark = "".join(" " if v is None else blocks[int((v - low) / (high - low) * 7) if high > low else 3] for v in values)
    table = Table(title=f"{loaded.name}: {metric}  {spark}")
    for col in ("run", "started", "model", "prompt", "value", "gates"):
        table.add_column(col)
    for r, v in zip(runs, values):
        h = r.header
        table.add_row(r.id, h.get("started", "")[:19], str(h.get("model_name")), f"v{h.get('prompt_version')}" if h.get("prompt_version") else "-",
                      fmt(v), "FAIL: " + ", ".join(r.summary["failed"]) if r.summary.get("failed") else "pass")
    Console().print(table)
