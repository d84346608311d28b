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


def test_the_benchmarks_query_rewrite_keeps_the_models_first_line_and_survives_a_dead_model(capsys):
    from tutor.errors import LLMUnavailableError
    from tutor.llm.fake import FakeChatModel

    bench = load_benchmark()
    model = FakeChatModel(default="`set -e`\nThis makes the script exit on the first error.")
    assert bench.rewrite_query(model, "stop my script at the first failing command", 2) == "set -e"
    (call,) = model.calls
    assert call["temperature"] == 0.0 and call["max_tokens"] <= 32
    assert "stop my script at the first failing command" in call["messages"][-1]["content"]

    def unavailable(messages):
        raise LLMUnavailableError("the endpoint is down")

    assert bench.rewrite_query(FakeChatModel(default=unavailable), "anything", 2) is None
    assert "the endpoint is down" in capsys.readouterr().err


def test_the_benchmarks_rewrite_fusion_keeps_what_only_one_query_found():
    bench = load_benchmark()
    fused = [doc for doc, _ in bench.fuse([["a", "b", "c"], ["d", "a"]])]
    assert fused[0] == "a" and set(fused) == {"a", "b", "c", "d"}
