"""The learner commands as a user runs them (course concepts synced without the vector store)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tutor.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_create_record_show_next_path_export_delete(course, tmp_path):
    assert _run("learner", "create", "ada", "--name", "Ada", "--goal", "functions").exit_code == 0
    for n in range(3):
        out = _run("learner", "record", "ada", "-c", course, "--concept", "basics", "--score", "1", "--key", f"k{n}")
        assert out.exit_code == 0
    again = _run("learner", "record", "ada", "-c", course, "--concept", "basics", "--score", "1", "--key", "k2")
    assert "already recorded" in again.output

    shown = json.loads(_run("learner", "show", "ada", "-c", course, "--json").output)
    basics = next(r for r in shown["concepts"] if r["concept"] == "basics")
    assert basics["attempts"] == 3 and basics["mastered"]

    nxt = json.loads(_run("next", "--learner", "ada", "-c", course, "--no-content", "--json").output)
    assert [a["concept"] for a in nxt["activities"]] == ["variables"]
    assert "Basics is mastered" in nxt["activities"][0]["why"] or "basics is mastered" in nxt["activities"][0]["why"]

    path = json.loads(_run("path", "--learner", "ada", "--goal", "functions", "--json").output)
    assert [s["concept"] for s in path["steps"]] == ["variables", "loops", "strings", "functions"]

    export = tmp_path / "ada.json"
    assert _run("learner", "export", "ada", "-o", str(export)).exit_code == 0
    assert len(json.loads(export.read_text())["attempts"]) == 3
    assert "deleted learner ada" in _run("learner", "delete", "ada", "--yes").output


def test_unknown_learner_is_one_line_and_exit_2(course, capfd):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from tutor.cli import main; main()", "learner", "show", "nobody"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: Unknown learner 'nobody'. Create one with: tutor learner create nobody --name NAME"
