"""The gate through the real CLI path with the embedded models: the retrieval suite (MiniLM) and the
feedback suite (SmolLM2 for the free-text rubric calls) must pass their shipped thresholds.

About 45 s on an idle 2-core machine (ingest of the demo course ~10 s, 8 rubric calls); no timed assertion.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

SUITES = Path(__file__).resolve().parents[2] / "evals" / "suites"


@pytest.mark.real_model
def test_shipped_retrieval_and_feedback_suites_pass_their_gates(tutor_home):
    from tutor.cli import app

    runner = CliRunner()
    for suite in ("retrieval", "feedback"):
        result = runner.invoke(app, ["eval", "run", str(SUITES / f"{suite}.yaml")])
        assert result.exit_code == 0, f"{suite}: {result.output}"
        assert "FAIL" not in result.output
    runs = sorted((tutor_home / "evals" / "runs").glob("*/*.jsonl"))
    assert [p.parent.name for p in runs] == ["feedback", "retrieval"]
