"""Retrieval benchmark: quality on the dev set, ingest speed, query latency at 10k and 100k chunks.

    python benchmarks/retrieval.py [--json] [--sweep] [--skip-scale]

Quality: every question of evals/datasets/retrieval_dev.jsonl is searched dense-only, BM25-only and
hybrid over the demo course; a passage is a hit when it contains one of the question's verbatim key
phrases (Markdown emphasis and whitespace ignored). Baselines are the two single methods.
Speed: our ingest (parse, chunk, embed, store) in chunks/s beside raw SentenceTransformer.encode of
the same chunk texts; hybrid query latency beside a bare Chroma query, in stores filled with 10k and
100k synthetic chunks (encoding 100k real chunks would take 1.5 h here), each in its own process so
its peak memory is its own. `--sweep` compares chunk sizes on quality.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "knowledge" / "intro-python"
DEV_SET = ROOT / "evals" / "datasets" / "retrieval_dev.jsonl"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[`*_]", "", text).lower().split())


def settings_for(home: Path, **overrides):
    os.environ["TUTOR_HOME"] = str(home)
    from tutor.config import Settings, get_settings

    get_settings.cache_clear()
    return Settings(**overrides)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- quality -------------------------------------------------------------------------------------


def quality(chunk_tokens: int | None = None) -> dict[str, dict[str, float]]:
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.retriever import Retriever

    cases = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        extra = {"chunk_tokens": chunk_tokens} if chunk_tokens else {}
        settings = settings_for(Path(tmp), **extra)
        retriever = Retriever(settings, embedder=get_embedder(settings.embedding_model))
        ingest([DEMO], "dev", retriever.store, retriever.embedder, settings)
        table = {}
        for mode in ("dense", "lexical", "hybrid"):
            ranks = []
            for case in cases:
                keys = [normalise(k) for k in case["keys"]]
                passages = retriever.search(case["question"], "dev", k=10, mode=mode)
                rank = next((n for n, p in enumerate(passages, 1) if any(k in normalise(p.text) for k in keys)), None)
                ranks.append(rank)
            table[mode] = {
                "hit1": sum(r == 1 for r in ranks) / len(ranks),
                "hit5": sum(r is not None and r <= 5 for r in ranks) / len(ranks),
                "mrr10": sum(1 / r for r in ranks if r) / len(ranks),
                "questions": len(ranks),
            }
        table["chunks"] = {"count": retriever.store.raw_collection("dev").count()}
    return table


# -- ingest speed -------------------------------------------------------------------------------


def ingest_speed(copies: int = 2, rounds: int = 3) -> dict[str, float]:
    """Our ingest vs raw encode on the same chunks (the demo course copied `copies` times).

    The two are measured alternately `rounds` times and the best time of each is kept, so a burst
    of load from another process on this 2-core machine does not land on one side only.
    """
    from tutor.retrieval.chunking import chunk_document
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import collect_files, ingest
    from tutor.retrieval.loaders import load_document
    from tutor.retrieval.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for n in range(copies):
            shutil.copytree(DEMO, corpus / f"copy{n}")
        settings = settings_for(Path(tmp) / "home")
        embedder = get_embedder(settings.embedding_model)
        embedder.embed(["warm up the model"])
        files, _ = collect_files([corpus])
        texts = []
        for path, source in files:
            doc = load_document(path, source, 10**8)
            chunks = chunk_document(doc, "speed", settings.chunk_tokens, settings.chunk_overlap_tokens, embedder.count_tokens)
            texts.extend(c.embedding_text() for c in chunks)
        raw_times, our_times = [], []
        for round_ in range(rounds):
            start = time.perf_counter()
            embedder.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            raw_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            report = ingest([corpus], f"speed{round_}", open_store(settings), embedder, settings)
            our_times.append(time.perf_counter() - start)
            assert report.chunks_written == len(texts), (report.chunks_written, len(texts))
    raw_s, ours_s = min(raw_times), min(our_times)
    return {
        "chunks": len(texts),
        "raw_chunks_per_s": len(texts) / raw_s,
        "ours_chunks_per_s": len(texts) / ours_s,
        "ingest_ratio": raw_s / ours_s,
    }


# -- query latency at scale ----------------------------------------------------------------------


def _synthetic_texts(n: int, seed: int) -> list[str]:
    """Sentences recombined from the demo course, so BM25 sees realistic term statistics."""
    words = re.findall(r"[A-Za-z_]{3,}", " ".join(p.read_text() for p in DEMO.glob("*.md")))
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=rng.randint(60, 160))) for _ in range(n)]


def _scale_worker(size: int, queue) -> None:
    import numpy as np

    from tutor.retrieval.documents import Chunk
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.retriever import Retriever

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp))
        embedder = get_embedder(settings.embedding_model)
        retriever = Retriever(settings, embedder=embedder)
        collection = retriever.store.collection("scale", embedder.name, embedder.dimension, create=True)
        rng = np.random.default_rng(7)
        texts = _synthetic_texts(size, seed=size)
        insert_start = time.perf_counter()
        for start in range(0, size, 2000):
            batch = texts[start : start + 2000]
            vectors = rng.normal(size=(len(batch), embedder.dimension)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            chunks = [
                Chunk(id=f"s{start + i}", course="scale", source=f"f{(start + i) // 50}.md", section="Synthetic > Part",
                      text=t, position=i, concept="synthetic", concept_title="Synthetic", file_sha256="x", file_chunks=50)
                for i, t in enumerate(batch)
            ]
            retriever.store.upsert(collection, chunks, vectors.tolist())
        retriever.store.bump_revision(collection)
        insert_s = time.perf_counter() - insert_start
        queries = [q["question"] for q in map(json.loads, DEV_SET.read_text().splitlines()) if q]
        build_start = time.perf_counter()
        retriever.search(queries[0], "scale", k=5)  # builds the BM25 index once, as a new process would
        bm25_build_s = time.perf_counter() - build_start
        ours, bare = [], []
        for query in queries:
            start = time.perf_counter()
            retriever.search(query, "scale", k=5)
            ours.append((time.perf_counter() - start) * 1000)
            vector = embedder.embed([query])[0].tolist()
            start = time.perf_counter()
            collection.query(query_embeddings=[vector], n_results=5)
            bare.append((time.perf_counter() - start) * 1000)
    queue.put(
        {
            "size": size,
            "insert_per_s": size / insert_s,
            "bm25_build_s": bm25_build_s,
            "hybrid_p50_ms": statistics.median(ours),
            "hybrid_p95_ms": statistics.quantiles(ours, n=20)[18],
            "chroma_p50_ms": statistics.median(bare),
            "chroma_p95_ms": statistics.quantiles(bare, n=20)[18],
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def scale(size: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_scale_worker, args=(size, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


# -- report --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sweep", action="store_true", help="compare chunk sizes on quality only")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 10k/100k latency runs")
    args = parser.parse_args()

    if args.sweep:
        print(f"{'chunk_tokens':>12} {'chunks':>7} {'mode':>8} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
        for size in (96, 128, 160, 200, 256):
            table = quality(size)
            for mode in ("dense", "lexical", "hybrid"):
                q = table[mode]
                print(f"{size:>12} {table['chunks']['count']:>7} {mode:>8} {q['hit1']:>6.3f} {q['hit5']:>6.3f} {q['mrr10']:>7.3f}")
        return

    q = quality()
    speed = ingest_speed()
    scales = {} if args.skip_scale else {size: scale(size) for size in (10_000, 100_000)}
    figures = {
        "dense_hit5": q["dense"]["hit5"],
        "bm25_hit5": q["lexical"]["hit5"],
        "hybrid_hit1": q["hybrid"]["hit1"],
        "hybrid_hit5": q["hybrid"]["hit5"],
        "hybrid_mrr10": q["hybrid"]["mrr10"],
        "dense_mrr10": q["dense"]["mrr10"],
        "bm25_mrr10": q["lexical"]["mrr10"],
        "questions": q["hybrid"]["questions"],
        "ingest_ratio": speed["ingest_ratio"],
        "ingest_chunks_per_s": speed["ours_chunks_per_s"],
        "raw_encode_chunks_per_s": speed["raw_chunks_per_s"],
        "peak_rss_mb": max([peak_rss_mb()] + [s["peak_rss_mb"] for s in scales.values()]),
    }
    for size, s in scales.items():
        tag = f"{size // 1000}k"
        figures[f"query_p50_ms_{tag}"] = s["hybrid_p50_ms"]
        figures[f"query_p95_ms_{tag}"] = s["hybrid_p95_ms"]
        figures[f"chroma_p50_ms_{tag}"] = s["chroma_p50_ms"]
        figures[f"peak_rss_mb_{tag}"] = s["peak_rss_mb"]
        figures[f"bm25_build_s_{tag}"] = s["bm25_build_s"]
    if args.json:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))
        return

    print(f"Retrieval quality on {q['hybrid']['questions']} dev questions ({q['chunks']['count']} chunks)")
    print(f"{'method':<10} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>8}")
    for label, mode in (("dense", "dense"), ("bm25", "lexical"), ("hybrid", "hybrid")):
        print(f"{label:<10} {q[mode]['hit1']:>7.3f} {q[mode]['hit5']:>7.3f} {q[mode]['mrr10']:>8.3f}")
    print(f"\nIngest: {speed['chunks']} chunks")
    print(f"{'':<22} {'chunks/s':>9} {'ratio':>7}")
    print(f"{'raw encode (baseline)':<22} {speed['raw_chunks_per_s']:>9.1f} {1.0:>7.2f}")
    print(f"{'tutor ingest':<22} {speed['ours_chunks_per_s']:>9.1f} {speed['ingest_ratio']:>7.2f}")
    if scales:
        print("\nQuery latency (k=5, model loaded)")
        print(f"{'chunks':>8} {'chroma p50':>11} {'hybrid p50':>11} {'hybrid p95':>11} {'ratio p50':>10} {'peak MB':>8}")
        for size, s in scales.items():
            ratio = s["hybrid_p50_ms"] / s["chroma_p50_ms"]
            print(f"{size:>8} {s['chroma_p50_ms']:>9.1f}ms {s['hybrid_p50_ms']:>9.1f}ms {s['hybrid_p95_ms']:>9.1f}ms {ratio:>10.1f} {s['peak_rss_mb']:>8.0f}")
    print(f"\npeak RSS (MB): {figures['peak_rss_mb']:.0f}")


if __name__ == "__main__":
    main()
