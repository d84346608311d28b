"""The retrieval benchmark never measures a store that older loading or chunking code filled."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_benchmark():
    spec = importlib.util.spec_from_file_location("retrieval_benchmark", ROOT / "benchmarks" / "retrieval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_store_follows_the_code_that_fills_it(tmp_path, monkeypatch):
    # Ingest skips files whose text is unchanged, so a store kept between runs would keep the
    # chunks and sentence vectors of whatever code built it first: the folder is named after that code.
    bench = load_benchmark()
    code = tmp_path / "tutor" / "retrieval"
    code.mkdir(parents=True)
    (code / "chunking.py").write_text("BUDGET = 256\n")
    (code / "retriever.py").write_text("WEIGHT = 0.6\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "BENCH_ROOT", tmp_path / ".tutor" / "bench-retrieval")

    first = bench.bench_home()
    first.mkdir(parents=True)
    (code / "retriever.py").write_text("WEIGHT = 0.5\n")  # ranking only: the stored chunks stay valid
    assert bench.bench_home() == first and first.exists()

    (code / "chunking.py").write_text("BUDGET = 128\n")  # what is stored changes: a new store, the old one goes
    second = bench.bench_home()
    assert second != first and not first.exists()


def test_a_store_built_by_another_encoder_is_never_measured_as_the_default_ones(tmp_path, monkeypatch):
    # `--embedding-model` measures another encoder: its vectors would not fit the default model's
    # collections (and the other way round), so each encoder gets a store of its own.
    bench = load_benchmark()
    (tmp_path / "tutor" / "retrieval").mkdir(parents=True)
    (tmp_path / "tutor" / "retrieval" / "chunking.py").write_text("BUDGET = 256\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "BENCH_ROOT", tmp_path / ".tutor" / "bench-retrieval")
    monkeypatch.delenv("TUTOR_EMBEDDING_MODEL", raising=False)
    default = bench.bench_home()
    monkeypatch.setenv("TUTOR_EMBEDDING_MODEL", str(tmp_path / "all-mpnet-base-v2"))
    assert bench.bench_home() != default
