"""Offline evaluation of the tutor: suites (YAML) over datasets (JSONL), metrics, runs, comparisons, reports.

Modules, each one idea:
- `suite`: the suite file and dataset schemas, validated with pydantic; errors name the line and field.
- `metrics/`: small pure functions that return a `Score` (value + reason), one module per family.
- `cache`: a ChatModel wrapper that caches completions by (prompt text hash, model, parameters).
- `tasks/`: how one case of each task is produced (calls the tutor) and scored (pure, no model).
- `runner`: runs a suite (with `--repeat`), writes one JSONL results file per run, checks thresholds.
- `results`: reading runs, summaries, history; `compare`: deltas with bootstrap intervals; `report`: HTML.
- `judge`: the optional LLM-as-judge, reported beside the automatic metrics, never instead of them.
"""
