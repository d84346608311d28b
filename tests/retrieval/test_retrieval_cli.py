"""The retrieval commands as a user runs them: ingest a folder of HTML and PDF, list, search, remove."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app

pytestmark = pytest.mark.real_model
runner = CliRunner()


def build_folder(tmp_path: Path) -> Path:
    from fpdf import FPDF

    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "sets.html").write_text(
        "<html><head><title>Sets</title></head><body><nav>Home | Blog | Contact</nav><main><h1>Sets</h1>"
        "<p>A set is an unordered collection that never holds the same element twice.</p>"
        "<h2>Set operations</h2><p>The union of two sets contains every element found in either set.</p>"
        "</main><footer>Copyright Example</footer></body></html>"
    )
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in ("Recursion means a function calls itself.", "Every recursive function needs a base case that stops it."):
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(folder / "recursion.pdf"))
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not supported")
    return folder


def test_ingest_html_and_pdf_then_batch_search_prints_cited_json(tmp_path):
    folder = build_folder(tmp_path)
    result = runner.invoke(app, ["ingest", str(folder), "--course", "web", "--title", "Web course"])
    assert result.exit_code == 1, result.output  # one file was skipped
    assert "notes.docx" in result.output and "unsupported file type" in result.output
    assert "2 added" in result.output

    listing = runner.invoke(app, ["courses", "--json"])
    assert json.loads(listing.output) == [
        {"id": "web", "title": "Web course", "embedding_model": "sentence-transformers/all-MiniLM-L6-v2",
         "embedding_dim": 384, "files": 2, "chunks": 4}
    ]

    queries = tmp_path / "queries.txt"
    queries.write_text("what stops a recursive function\n\nhow do I combine two sets\n")
    result = runner.invoke(app, ["search", "--course", "web", "--k", "2", "--json", "--queries-file", str(queries)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["query"] for line in lines] == ["what stops a recursive function", "how do I combine two sets"]
    top = lines[0]["results"][0]
    assert set(top) == {"text", "source", "section", "page", "score", "id"}
    assert (top["source"], top["page"]) == ("recursion.pdf", 2) and "base case" in top["text"]
    top = lines[1]["results"][0]
    assert (top["source"], top["section"], top["page"]) == ("sets.html", "Sets > Set operations", None)

    again = runner.invoke(app, ["ingest", str(folder), "--course", "web"])
    assert "0 added, 0 updated, 2 unchanged, 1 skipped" in again.output

    removed = runner.invoke(app, ["remove", "--course", "web", "sets.html"])
    assert removed.exit_code == 0 and "sets.html" in removed.output
    result = runner.invoke(app, ["search", "union of sets", "--course", "web", "--json"])
    assert all(r["source"] != "sets.html" for r in json.loads(result.output)["results"])


def test_folder_with_course_yaml_names_its_course(demo_course, tmp_path):
    result = runner.invoke(app, ["ingest", str(demo_course / "course.yaml"), "--course", "x"])
    assert "unsupported file type '.yaml'" in result.output  # a lone course.yaml is not material
    from tutor.retrieval.ingest import CourseManifest

    manifest = CourseManifest.find([demo_course])
    assert (manifest.id, manifest.title) == ("intro-python", "Introduction to Python")


def test_errors_are_one_line_with_exit_status_2(tmp_path):
    env_home = tmp_path / "h"
    result = subprocess.run(
        [sys.executable, "-m", "tutor.cli", "search", "loops", "--course", "nope"],
        capture_output=True, text=True, env={"TUTOR_HOME": str(env_home), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: Unknown course 'nope'. No course is loaded yet. Load one with: tutor ingest PATH --course ID"
    )
    assert "Traceback" not in result.stderr
