"""Hostile uploads: each is refused with a reason naming the file, and the course already loaded keeps
every chunk it had. Uploads go through the instructor's handler, as the app calls it."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest

from tutor.services import authoring


def _pdf_with_text(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_with_text("Secret loop chapter"))))
    writer.encrypt("a-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _chunks(ctx, course) -> dict[str, int]:
    collection = ctx.store.raw_collection(course)
    counts: dict[str, int] = {}
    for passage in ctx.store.rows(collection, include_documents=False):
        counts[passage.source] = counts.get(passage.source, 0) + 1
    return counts


BAD = [
    ("binary.pdf", lambda: bytes(range(256)) * 40, "not a readable PDF"),
    ("locked.pdf", _encrypted_pdf, "encrypted"),
    ("scan.pdf", _blank_pdf, "no text found"),
    ("broken.pdf", lambda: _pdf_with_text("cut short")[:300], "not a readable PDF"),
    ("empty.md", lambda: b"", "empty"),
    ("blank.txt", lambda: b"  \n\n\t ", "empty"),
    ("archive.zip", lambda: b"PK\x03\x04" + bytes(200), "unsupported file type '.zip'"),
    ("program.exe", lambda: b"MZ" + bytes(200), "unsupported file type '.exe'"),
    ("nul.txt", lambda: b"text\x00with\x00nul bytes" * 10, "binary"),
]


@pytest.mark.parametrize("name, make, reason", BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_refused_by_name_and_nothing_stored_is_lost(hctx, husers, hcourse, tmp_path, name, make, reason):
    before = _chunks(hctx, hcourse)
    upload = tmp_path / "gradio-tmp" / ("upload" + Path(name).suffix)
    upload.parent.mkdir()
    upload.write_bytes(make())
    result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(upload), name)])
    assert result.loaded == [] and len(result.errors) == 1
    got_name, got_reason = result.errors[0]
    assert got_name == name and reason in got_reason, result.errors
    assert _chunks(hctx, hcourse) == before


def test_a_huge_file_is_refused_without_reading_it(hctx, husers, hcourse, tmp_path):
    """200 MB (a sparse file: no disk used) against the 50 MB default: refused while Python allocates
    next to nothing (a read would allocate 200 MB)."""
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    before = _chunks(hctx, hcourse)
    tracemalloc.start()
    try:
        result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(big), "big.txt")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.errors and "over the 50 MB limit" in result.errors[0][1] and "TUTOR_MAX_FILE_MB" in result.errors[0][1]
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while refusing"
    assert _chunks(hctx, hcourse) == before


def test_a_file_growing_past_the_limit_is_refused_by_the_bounded_read(tmp_path, monkeypatch):
    """The size check is not only stat(): the read stops one byte past the limit."""
    from tutor.errors import DocumentError
    from tutor.retrieval import loaders

    path = tmp_path / "grows.txt"
    path.write_bytes(b"a" * 2000)
    real_stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **kw: os.stat_result((0,) * 6 + (10,) + (0,) * 3) if self == path else real_stat(self, **kw))
    with pytest.raises(DocumentError, match="over the"):
        loaders.load_document(path, "grows.txt", max_bytes=1000)


def test_non_utf8_text_is_decoded_not_refused(hctx, husers, hcourse, tmp_path):
    upload = tmp_path / "latin.txt"
    upload.write_bytes(("Une boucle répète le même bloc de code. Très utilisée en Python, elle évite la répétition. " * 5).encode("cp1252"))
    result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(upload), "boucles.txt")])
    assert result.loaded == ["boucles.txt"], result.errors
    texts = [p.text for p in hctx.store.rows(hctx.store.raw_collection(hcourse)) if p.source == "boucles.txt"]
    assert any("répète" in t for t in texts)


def test_html_scripts_and_styles_never_reach_the_store(hctx, husers, hcourse, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Loops</title><style>body { color: red }</style><script>alert('head')</script></head>"
        "<body><article><h1>While loops</h1><p>" + "A while loop repeats its block while the condition holds. " * 8 +
        "</p><script>document.write('evil-marker')</script><p onclick=\"steal()\">Use break to leave early.</p></article></body></html>",
        encoding="utf-8")
    result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(page), "page.html")])
    assert result.loaded == ["page.html"], result.errors
    texts = " ".join(p.text for p in hctx.store.rows(hctx.store.raw_collection(hcourse)) if p.source == "page.html")
    assert "while loop repeats" in texts
    for bad in ("alert", "evil-marker", "color: red", "<script", "onclick", "steal()"):
        assert bad not in texts


@pytest.mark.parametrize("given, stored", [("../../../etc/evil.md", "evil.md"), ("/etc/passwd.md", "passwd.md"),
                                           ("..\\..\\win\\evil.md", "evil.md"), ("../", "unnamed"), ("a\x00b\x1b.md", "ab.md")])
def test_upload_names_are_sanitised_and_nothing_is_written_outside_home(hctx, husers, hcourse, tmp_path, tutor_home, given, stored):
    upload = tmp_path / "up" / "tmp.md"
    upload.parent.mkdir()
    upload.write_text("# Hidden names\n\nA file name is data, never a path to follow. " * 5, encoding="utf-8")
    outside_before = {p for p in tmp_path.rglob("*") if tutor_home not in p.parents}
    result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(upload), given)])
    assert result.loaded == [stored], (result.loaded, result.errors)
    assert stored in authoring.list_sources(hctx, hcourse)
    assert not any(".." in s or s.startswith("/") or "\\" in s for s in authoring.list_sources(hctx, hcourse))
    outside_after = {p for p in tmp_path.rglob("*") if tutor_home not in p.parents}
    assert outside_after == outside_before
    assert not Path("/etc/evil.md").exists()


def _pdf_over_pypdf_limits() -> bytes:
    """A PDF whose cross-reference table declares 99,999,999 entries: pypdf raises LimitReachedError."""
    import re

    data = _pdf_with_text("Tuples are immutable sequences.")
    found = re.search(rb"xref\n0 \d+", data)
    return data.replace(found.group(0), b"xref\n0 99999999")


def test_a_pdf_beyond_pypdf_limits_fails_that_file_only(hctx, husers, hcourse, tmp_path):
    bad = tmp_path / "batch" / "a.pdf"
    good = tmp_path / "batch" / "b.md"
    bad.parent.mkdir()
    bad.write_bytes(_pdf_over_pypdf_limits())
    good.write_text("# Tuples\n\nA tuple is an immutable sequence of values written with parentheses.\n", encoding="utf-8")
    result = authoring.upload(hctx, husers["teacher"], hcourse, [(str(bad), "limits.pdf"), (str(good), "tuples.md")])
    assert result.errors and result.errors[0][0] == "limits.pdf", result.errors
    assert "LimitReachedError" in result.errors[0][1] and "not a readable PDF" in result.errors[0][1]
    assert "tuples.md" in _chunks(hctx, hcourse)  # the rest of the batch is loaded
