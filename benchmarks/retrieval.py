"""Retrieval benchmark: quality on both dev sets, ingest speed, query latency at 10k and 100k chunks.

    python benchmarks/retrieval.py [--json] [--cv] [--quality-only] [--skip-scale] [--demo-only] [--embedding-model M]

Quality: every question of evals/datasets/retrieval_dev.jsonl (our demo course) and of
evals/datasets/retrieval_thirdparty.jsonl (the PostgreSQL tutorial as HTML and the Bash Reference
Manual as PDF, fetched with apt by benchmarks/devsets.py) is searched once; each ranking is computed
from the same candidates: whole-chunk dense, dense with the best sentence, BM25, the hybrid as it
was (v0: equal-weight fusion of whole-chunk cosine and BM25) and the hybrid now. A passage is a hit
when it contains one of the question's verbatim key phrases (emphasis and whitespace ignored); for
PDFs page@1 is the share whose first passage is on the answer's page. `--cv` cross-validates the
hybrid's weights over the three sets. The stores are kept in .tutor/bench-retrieval between runs, in a
folder named after a hash of the code that decides what is stored (tutor/retrieval, ranking aside):
ingest skips a file whose text is unchanged, so a store built by older loaders or chunking would
otherwise be measured as if it were today's.
Speed: our ingest (parse, chunk, embed, store) in chunks/s beside raw SentenceTransformer.encode of
the same chunk texts; hybrid query latency beside a bare Chroma query, in stores filled with 10k and
100k synthetic chunks (encoding 100k real chunks would take 1.5 h here), each in its own process so
its peak memory is its own.
`--embedding-model` measures another sentence-transformers model folder (TUTOR_EMBEDDING_MODEL) in
place of the packaged MiniLM for every row: chunks, sentences and questions, ingest and latency.
"""

from __future__ import annotations

import argparse
import hashlib
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
sys.path.insert(0, str(ROOT / "benchmarks"))
BENCH_ROOT = ROOT / ".tutor" / "bench-retrieval"
DEMO = ROOT / "knowledge" / "intro-python"
DEV_SET = ROOT / "evals" / "datasets" / "retrieval_dev.jsonl"


def bench_home() -> Path:
    """The benchmark's store folder for the code as it is now; folders of other code versions are removed."""
    digest = hashlib.sha256(os.environ.get("TUTOR_EMBEDDING_MODEL", "").encode())
    for path in sorted((ROOT / "tutor" / "retrieval").glob("*.py")):
        if path.name != "retriever.py":  # ranking only: what is stored does not depend on it
            digest.update(path.name.encode() + path.read_bytes())
    home = BENCH_ROOT / digest.hexdigest()[:12]
    if BENCH_ROOT.exists():
        for old in BENCH_ROOT.iterdir():
            if old != home:
                shutil.rmtree(old, ignore_errors=True)
    return home


def settings_for(home: Path, **overrides):
    os.environ["TUTOR_HOME"] = str(home)
    from tutor.config import Settings, get_settings

    get_settings.cache_clear()
    return Settings(**overrides)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- quality -------------------------------------------------------------------------------------

# The rankings compared on every set: where search started (v0) and each change since.
VARIANTS = (
    ("dense (whole chunk)", "dense", {"sentence_weight": 0.0}),
    ("dense + best sentence", "dense", {}),
    ("bm25", "lexical", {}),
    ("hybrid v0 (RSF 0.5)", "v0", {}),
    ("hybrid", "hybrid", {}),
)
CV_SENTENCE = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
CV_LEXICAL = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)


def dev_sets(skip_thirdparty: bool = False) -> list[tuple[str, list[Path], list[dict]]]:
    """(course id, files, questions) for our demo course and each third-party material."""
    sets = [("dev", [DEMO], [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()])]
    if skip_thirdparty:
        return sets
    import devsets

    try:
        folders = devsets.fetch_all()
    except SystemExit as exc:  # no apt, or the archive moved on: say so and measure what we can
        print(f"third-party dev set unavailable: {exc}", file=sys.stderr)
        return sets
    cases = devsets.load_cases()
    for name, folder in folders.items():
        sets.append((name, [folder], [c for c in cases if c["corpus"] == name]))
    return sets


def collect(home: Path, skip_thirdparty: bool = False) -> dict[str, list[tuple[dict, object]]]:
    """course -> [(question, Candidates)]: every question searched once, all signals kept.

    The store lives in `home` and is reused across runs (ingest skips unchanged files): embedding the
    Bash manual takes minutes here. Each ranking variant is then computed from the same candidates.
    """
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.retriever import Retriever

    settings = settings_for(home)
    retriever = Retriever(settings, embedder=get_embedder(settings.embedding_model))
    out = {}
    for course, paths, cases in dev_sets(skip_thirdparty):
        ingest(paths, course, retriever.store, retriever.embedder, settings)
        out[course] = [(case, retriever.candidates(case["question"], course, n=40)) for case in cases]
        out[course + ":chunks"] = retriever.store.raw_collection(course).count()
    return out


def ranked_ids(found, mode: str, weights: dict) -> list[str]:
    from tutor.retrieval.retriever import Ranking, rank, relative_score_fusion

    if mode == "v0":  # equal-weight relative score fusion of whole-chunk cosine and BM25
        dense = [(i, found.dense[i]) for i in found.dense_order]
        return [i for i, _ in relative_score_fusion(dense, list(found.lexical.items()), 0.5)]
    return [i for i, _ in rank(found, mode, Ranking(**weights))]


def scores(results: list[tuple[dict, object]], mode: str, weights: dict) -> dict[str, float]:
    """hit@1, hit@5, MRR@10 and, for PDF questions, the share whose first passage is on the right page."""
    import devsets

    ranks, pages = [], []
    for case, found in results:
        ids = ranked_ids(found, mode, weights)[:10]
        keys = [devsets.normalise(k) for k in case["keys"]]
        texts = [devsets.normalise(found.passages[i].text) for i in ids]
        ranks.append(next((n for n, text in enumerate(texts, 1) if any(k in text for k in keys)), None))
        if case.get("page") is not None:
            pages.append(bool(ids) and found.passages[ids[0]].page in devsets.case_pages(case))
    n = len(ranks) or 1
    return {
        "hit1": sum(r == 1 for r in ranks) / n,
        "hit5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr10": sum(1 / r for r in ranks if r) / n,
        "page1": sum(pages) / len(pages) if pages else None,
        "questions": len(ranks),
    }


def quality(home: Path, skip_thirdparty: bool = False) -> dict:
    """{set: {variant: scores}} for the demo set, each third-party material and the third-party set as a whole."""
    collected = collect(home, skip_thirdparty)
    courses = [c for c in collected if not c.endswith(":chunks")]
    table: dict = {"chunks": {c: collected[c + ":chunks"] for c in courses}}
    for course in courses:
        table[course] = {label: scores(collected[course], mode, w) for label, mode, w in VARIANTS}
    third = [r for c in courses if c != "dev" for r in collected[c]]
    if third:
        table["third-party"] = {label: scores(third, mode, w) for label, mode, w in VARIANTS}
    table["_collected"] = collected
    return table


def cross_validate(collected: dict) -> list[dict]:
    """Leave one set out: the weights with the best mean MRR@10 on the others, scored on the one left out."""
    courses = [c for c in collected if not c.endswith(":chunks")]
    grid = [{"sentence_weight": s, "lexical_weight": l} for s in CV_SENTENCE for l in CV_LEXICAL]
    mrr = {(g["sentence_weight"], g["lexical_weight"], c): scores(collected[c], "hybrid", g)["mrr10"] for g in grid for c in courses}
    folds = []
    for held in courses + [None]:
        train = [c for c in courses if c != held]
        best = max(grid, key=lambda g: (sum(mrr[(g["sentence_weight"], g["lexical_weight"], c)] for c in train), -g["lexical_weight"]))
        fold = {"held_out": held or "(none: all sets)", **best}
        if held:
            fold.update(scores(collected[held], "hybrid", best))
        folds.append(fold)
    from tutor.retrieval.retriever import Ranking

    shipped = {"sentence_weight": Ranking().sentence_weight, "lexical_weight": Ranking().lexical_weight}
    folds.append({"held_out": "mean held-out MRR@10", "procedure": sum(f["mrr10"] for f in folds if "mrr10" in f) / len(courses),
                  "shipped": sum(scores(collected[c], "hybrid", shipped)["mrr10"] for c in courses) / len(courses), **shipped})
    return folds


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
            # Six sentence vectors a chunk, as the Bash manual's chunks average: the metadata a real store carries.
            sentences = rng.normal(size=(len(batch), 6, embedder.dimension)).astype(np.float32)
            sentences /= np.linalg.norm(sentences, axis=2, keepdims=True)
            retriever.store.upsert(collection, chunks, vectors.tolist(), list(sentences))
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


def print_quality(q: dict) -> None:
    sets = [c for c in q if c not in ("chunks", "_collected")]
    for name in sets:
        rows = q[name]
        count = next(iter(rows.values()))["questions"]
        where = f"{q['chunks'][name]} chunks" if name in q["chunks"] else "pg-tutorial + bashref"
        title = {"dev": "demo course (ours)", "third-party": "third-party, all"}.get(name, f"third-party: {name}")
        print(f"\n{title}: {count} questions, {where}")
        pdf = any(r["page1"] is not None for r in rows.values())
        print(f"{'ranking':<24} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}" + (f" {'page@1':>7}" if pdf else ""))
        for label, r in rows.items():
            line = f"{label:<24} {r['hit1']:>6.3f} {r['hit5']:>6.3f} {r['mrr10']:>7.3f}"
            print(line + (f" {r['page1']:>7.3f}" if pdf and r["page1"] is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cv", action="store_true", help="cross-validate the fusion weights over the dev sets (quality only)")
    parser.add_argument("--quality-only", action="store_true", help="skip the ingest and latency measurements")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 10k/100k latency runs")
    parser.add_argument("--demo-only", action="store_true", help="skip the third-party dev set (no apt needed)")
    parser.add_argument("--embedding-model", help="a sentence-transformers model folder to measure instead of the packaged MiniLM")
    args = parser.parse_args()
    if args.embedding_model:  # every Settings of this process and of the spawned latency workers reads it
        os.environ["TUTOR_EMBEDDING_MODEL"] = str(Path(args.embedding_model).resolve())

    q = quality(bench_home(), args.demo_only)
    if args.cv:
        print_quality(q)
        print("\nLeave-one-set-out cross-validation of the hybrid weights (chosen by mean MRR@10 on the other sets)")
        print(f"{'held out':<18} {'sentence':>8} {'bm25':>6} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
        for fold in cross_validate(q["_collected"]):
            if "procedure" in fold:
                print(f"mean held-out MRR@10: {fold['procedure']:.3f} choosing per fold; "
                      f"{fold['shipped']:.3f} with the shipped weights (sentence {fold['sentence_weight']:.2f}, bm25 {fold['lexical_weight']:.2f})")
                continue
            tail = f" {fold['hit1']:>6.3f} {fold['hit5']:>6.3f} {fold['mrr10']:>7.3f}" if "hit1" in fold else ""
            print(f"{fold['held_out']:<18} {fold['sentence_weight']:>8.2f} {fold['lexical_weight']:>6.2f}{tail}")
        return
    speed = None if args.quality_only else ingest_speed()
    scales = {} if args.skip_scale or args.quality_only else {size: scale(size) for size in (10_000, 100_000)}
    figures: dict = {"peak_rss_mb": max([peak_rss_mb()] + [s["peak_rss_mb"] for s in scales.values()])}
    for name in [c for c in q if c not in ("chunks", "_collected")]:
        tag = {"dev": "demo", "third-party": "thirdparty"}.get(name, name.replace("-", "_"))
        for label, key in (("dense (whole chunk)", "dense"), ("bm25", "bm25"), ("hybrid v0 (RSF 0.5)", "hybrid_v0"), ("hybrid", "hybrid")):
            r = q[name][label]
            for metric in ("hit1", "hit5", "mrr10", "page1"):
                if r[metric] is not None:
                    figures[f"{tag}_{key}_{metric}"] = r[metric]
        figures[f"{tag}_questions"] = q[name]["hybrid"]["questions"]
    if speed:
        figures.update(
            ingest_ratio=speed["ingest_ratio"], ingest_chunks_per_s=speed["ours_chunks_per_s"], raw_encode_chunks_per_s=speed["raw_chunks_per_s"]
        )
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

    print("Retrieval quality: a hit is a passage holding one of the question's key phrases; page@1 = first passage on the answer's page")
    print_quality(q)
    if speed:
        print(f"\nIngest (parse, chunk, embed chunks and their sentences, store): {speed['chunks']} chunks")
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
