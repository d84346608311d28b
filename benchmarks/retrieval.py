"""Retrieval benchmark: quality on both dev sets, ingest speed, query latency at 10k and 100k chunks.

    python benchmarks/retrieval.py [--json] [--cv] [--quality-only] [--skip-scale] [--demo-only] [--embedding-model M]
                                   [--rewrite MODEL [--rewrite-prompt 1,2]] [--chunk-questions MODEL]

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
`--rewrite MODEL` (a catalogue short name, e.g. qwen2.5-coder-1.5b) adds rows where that chat model
rewrites each question with prompts/search-rewrite and the hybrid ranking of the rewrite is fused with
the original's (measured, not in the product: on the dev sets it cost the demo set and the PostgreSQL
tutorial more than it bought on the Bash manual; docs/measurements.md); it prints the model's seconds per question beside the load
average. Rewrites are kept in .tutor/bench-rewrites (with the seconds and load they were measured at),
so a second run measures the ranking without the model.
`--chunk-questions MODEL` adds the row "hybrid + chunk questions": a second store, ingested with the
setting `chunk_questions` on, where that chat model wrote a few learner questions for every chunk
(prompts/chunk-questions; one llama.cpp thread by default) and search scores each chunk by its best
question too. The questions are cached in .tutor/bench-questions by model, prompt and chunk text, so
only the first run pays the model (it prints the seconds per chunk beside the load average).
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
QUESTIONS_ROW = "hybrid + chunk questions"
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


# -- query rewriting by the chat model (measured here only) ---------------------------------------

REWRITE_PROMPT = "search-rewrite"
REWRITE_MAX_TOKENS = 24  # one line of search terms
RRF_K = 10  # reciprocal-rank constant: small, so the top ranks of either list count most


def rewrite_query(model, question: str, version: int) -> str | None:
    """The model's search line for `question`, or None when the model fails or returns nothing usable."""
    from tutor.errors import ModelError
    from tutor.prompts import load_prompt

    messages = load_prompt(REWRITE_PROMPT, version).render(question=question)
    try:
        text = model.complete(messages, max_tokens=REWRITE_MAX_TOKENS, temperature=0.0).text
    except ModelError as exc:
        print(f"query rewrite failed, searching with the question alone: {exc}", file=sys.stderr)
        return None
    line = next((part.strip() for part in text.strip().splitlines() if part.strip()), "")
    line = line.strip("`\"' ")
    return line or None


def fuse(rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion of ranked id lists, best first (ties by id, for a stable order)."""
    scores: dict[str, float] = {}
    for ranked, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for position, doc in enumerate(ranked, 1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + position)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse_scores(original: list[tuple[str, float]], rewritten: list[tuple[str, float]], how: str = "max") -> list[tuple[str, float]]:
    """Fuse two scored rankings by their min-max normalised scores: the better of the two ("max") or their
    sum ("sum"); a passage one query did not find counts 0 there. Ties by id."""
    from tutor.retrieval.retriever import minmax

    a, b = minmax(dict(original)), minmax(dict(rewritten))
    combine = max if how == "max" else (lambda x, y: x + y)
    fused = {doc: combine(a.get(doc, 0.0), b.get(doc, 0.0)) for doc in a.keys() | b.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


class Rewritten:
    """One question searched twice: as asked and as the model rewrote it (None when it failed)."""

    def __init__(self, original, rewritten, line: str | None, question_vector=None):
        self.original, self.rewritten, self.line = original, rewritten, line  # Candidates, Candidates | None
        self.question_vector = question_vector

    @property
    def passages(self) -> dict:
        return {**(self.rewritten.passages if self.rewritten else {}), **self.original.passages}


class Rewriter:
    """The model's rewrite of each question for one prompt version, cached on disk with its cost."""

    def __init__(self, model_name: str, version: int, home: Path, threads: int | None = None):
        self.model_name, self.version, self.threads = model_name, version, threads
        self.path = ROOT / ".tutor" / "bench-rewrites" / f"{model_name}-v{version}.json"
        self.cache = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.home = home
        self._model = None

    def model(self):
        if self._model is None:
            import tutor.llm.local
            from tutor.llm.registry import build

            if self.threads:  # llama.cpp's threads spin-wait: on a loaded 2-core machine one thread can be faster
                tutor.llm.local.N_THREADS = self.threads
            self._model = build(settings_for(self.home, llm="local", llm_local_model=self.model_name))
        return self._model

    def __call__(self, question: str) -> str | None:
        if question not in self.cache:
            start = time.perf_counter()
            line = rewrite_query(self.model(), question, self.version)
            self.cache[question] = {"line": line, "seconds": time.perf_counter() - start, "load": os.getloadavg()[0],
                                    "threads": self.threads or 0}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.cache, indent=1))
        return self.cache[question]["line"]

    def cost(self, questions: list[str]) -> dict:
        rows = [self.cache[q] for q in questions if q in self.cache]
        seconds = [r["seconds"] for r in rows]
        return {"median_s": statistics.median(seconds), "mean_s": statistics.fmean(seconds), "max_s": max(seconds),
                "load_min": min(r["load"] for r in rows), "load_max": max(r["load"] for r in rows), "questions": len(rows)}


# -- learner questions written for each chunk at ingest (document expansion) ----------------------

QUESTIONS_CACHE = ROOT / ".tutor" / "bench-questions"  # kept across runs: writing costs seconds of the model a chunk


class CacheOnly:
    """A model that answers nothing: with it, only chunks whose questions are cached get questions (a partial
    measurement when writing for every chunk would take too long; the benchmark prints how many chunks had them)."""

    def __init__(self, name: str):
        self.name = name

    def complete(self, messages, **options):
        from tutor.errors import LLMUnavailableError

        raise LLMUnavailableError("cache only: no model is run")


class ChunkQuestions:
    """The chat model that writes each chunk's questions (prompts/chunk-questions), with its on-disk cache."""

    def __init__(self, model_name: str, home: Path, threads: int | None = None, cached_only: bool = False):
        self.model_name, self.home, self.threads, self.cached_only = model_name, home, threads, cached_only

    def writer(self):
        import tutor.llm.local
        from tutor.llm.registry import build
        from tutor.retrieval.questions import QuestionWriter

        if self.threads:  # one thread leaves the other core to the rest of the machine
            tutor.llm.local.N_THREADS = self.threads
        settings = settings_for(self.home, llm="local", llm_local_model=self.model_name)
        model = CacheOnly(tutor.llm.local.LocalChatModel(tutor.llm.local.default_model_path(self.model_name)).name) \
            if self.cached_only else build(settings)
        return QuestionWriter(model, QUESTIONS_CACHE)

    @staticmethod
    def cost() -> dict:
        """Seconds a chunk and the load average they were written at, over every cached chunk."""
        rows = [json.loads(p.read_text()) for p in QUESTIONS_CACHE.rglob("*.json")]
        rows = [r for r in rows if r.get("seconds") is not None]
        if not rows:
            return {}
        seconds = [r["seconds"] for r in rows]
        loads = [r["load"] for r in rows if r.get("load") is not None] or [float("nan")]  # nan: written before loads were kept
        return {"chunks": len(rows), "median_s": statistics.median(seconds), "mean_s": statistics.fmean(seconds),
                "load_min": min(loads), "load_max": max(loads)}


def collect(home: Path, skip_thirdparty: bool = False, rewriters: list | None = None,
            questions: ChunkQuestions | None = None) -> dict[str, list[tuple[dict, object]]]:
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
        for rewriter in rewriters or []:
            rows = []
            for case, found in out[course]:
                line = rewriter(case["question"])
                rows.append((case, Rewritten(found, retriever.candidates(line, course, n=40) if line else None, line,
                                             retriever.embed_query(case["question"]))))
            out[f"{course}:rewrite:{rewriter.version}"] = rows
    if questions:  # a second store, ingested with each chunk's questions, searched with the same questions
        q_settings = settings_for(home / "with-questions", chunk_questions=True)
        q_retriever = Retriever(q_settings, embedder=retriever.embedder)
        writer = questions.writer()
        for course, paths, cases in dev_sets(skip_thirdparty):
            ingest(paths, course, q_retriever.store, q_retriever.embedder, q_settings, questions=writer)
            out[f"{course}:questions"] = [(case, q_retriever.candidates(case["question"], course, n=40)) for case in cases]
            stored = list(q_retriever.store.rows(q_retriever.store.raw_collection(course), include_documents=False))
            out[f"{course}:questions:coverage"] = (sum(1 for p in stored if p.questions), len(stored))
        settings_for(home)
    return out


def ranked_ids(found, mode: str, weights: dict) -> list[str]:
    from tutor.retrieval.retriever import Ranking, rank, relative_score_fusion

    if mode.startswith("rewrite"):  # found is a Rewritten: the hybrid ranking of each query, then fused
        original = rank(found.original, "hybrid", Ranking(**weights))
        if found.rewritten is None:
            return [i for i, _ in original]
        rewritten = rank(found.rewritten, "hybrid", Ranking(**weights))
        if mode == "rewrite-only":
            return [i for i, _ in rewritten]
        if mode == "rewrite-rrf":
            return [i for i, _ in fuse([[i for i, _ in original], [i for i, _ in rewritten]])]
        if mode == "rewrite-rrf2":
            return [i for i, _ in fuse([[i for i, _ in original], [i for i, _ in rewritten]], weights=[1.0, 2.0])]
        if mode == "rewrite-cosine":  # each passage by the better of its blended cosines with the two queries
            w = Ranking(**weights).sentence_weight

            def cosines(c):
                return {i: (1 - w) * c.dense[i] + w * c.sentence.get(i, c.dense[i]) for i in c.dense}

            a, b = cosines(found.original), cosines(found.rewritten)
            best = {i: max(a.get(i, -1.0), b.get(i, -1.0)) for i in a.keys() | b.keys()}
            return sorted(best, key=lambda i: (-best[i], i))
        if mode == "rewrite-pool":  # the rewrite only adds candidates; the question's own cosines rank them all
            import numpy as np

            w, q = Ranking(**weights).sentence_weight, np.asarray(found.question_vector, dtype=np.float32)
            score = {i: (1 - w) * found.original.dense[i] + w * found.original.sentence.get(i, found.original.dense[i])
                     for i in found.original.dense}
            for i, passage in found.rewritten.passages.items():
                if i not in score and passage.embedding is not None:
                    whole = float(np.dot(np.asarray(passage.embedding, dtype=np.float32), q))
                    best = float(np.max(passage.sentence_embeddings @ q)) if passage.sentence_embeddings is not None else whole
                    score[i] = (1 - w) * whole + w * best
            return sorted(score, key=lambda i: (-score[i], i))
        if mode == "rewrite-sum":
            return [i for i, _ in fuse_scores(original, rewritten, how="sum")]
        return [i for i, _ in fuse_scores(original, rewritten, how="max")]
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


def quality(home: Path, skip_thirdparty: bool = False, rewriters: list | None = None, questions: ChunkQuestions | None = None) -> dict:
    """{set: {variant: scores}} for the demo set, each third-party material and the third-party set as a whole."""
    collected = collect(home, skip_thirdparty, rewriters, questions)
    courses = [c for c in collected if ":" not in c]
    table: dict = {"chunks": {c: collected[c + ":chunks"] for c in courses}}
    extra = [(f"rewrite v{r.version} alone", "rewrite-only", r.version) for r in rewriters or []]
    extra += [(f"hybrid + rewrite v{r.version}" + tag, mode, r.version) for r in rewriters or []
              for tag, mode in ((" rrf", "rewrite-rrf"), (" rrf 1:2", "rewrite-rrf2"), (" sum", "rewrite-sum"), (" max", "rewrite-max"),
                                (" cos", "rewrite-cosine"), (" pool", "rewrite-pool"))]

    def rows(results_of) -> dict:
        row = {label: scores(results_of(None), mode, w) for label, mode, w in VARIANTS}
        row.update({label: scores(results_of(v), mode, {}) for label, mode, v in extra})
        if questions:
            row[QUESTIONS_ROW] = scores(results_of("questions"), "hybrid", {})
        return row

    def key(course: str, v) -> str:
        return course if v is None else f"{course}:questions" if v == "questions" else f"{course}:rewrite:{v}"

    for course in courses:
        table[course] = rows(lambda v, c=course: collected[key(c, v)])
    third = [c for c in courses if c != "dev"]
    if third:
        table["third-party"] = rows(lambda v: [r for c in third for r in collected[key(c, v)]])
    if questions:
        table["_questions_cost"] = ChunkQuestions.cost()
        table["_questions_cost"]["coverage"] = {c: collected[f"{c}:questions:coverage"] for c in courses}
    if rewriters:
        questions = [case["question"] for c in courses for case, _ in collected[c]]
        table["_rewrite_cost"] = {r.version: r.cost(questions) for r in rewriters}
    table["_collected"] = collected
    return table


def cross_validate(collected: dict) -> list[dict]:
    """Leave one set out: the weights with the best mean MRR@10 on the others, scored on the one left out."""
    courses = [c for c in collected if ":" not in c]
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
    sets = [c for c in q if c != "chunks" and not c.startswith("_")]
    for name in sets:
        rows = q[name]
        count = next(iter(rows.values()))["questions"]
        where = f"{q['chunks'][name]} chunks" if name in q["chunks"] else "pg-tutorial + bashref"
        title = {"dev": "demo course (ours)", "third-party": "third-party, all"}.get(name, f"third-party: {name}")
        print(f"\n{title}: {count} questions, {where}")
        pdf = any(r["page1"] is not None for r in rows.values())
        print(f"{'ranking':<27} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}" + (f" {'page@1':>7}" if pdf else ""))
        for label, r in rows.items():
            line = f"{label:<27} {r['hit1']:>6.3f} {r['hit5']:>6.3f} {r['mrr10']:>7.3f}"
            print(line + (f" {r['page1']:>7.3f}" if pdf and r["page1"] is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cv", action="store_true", help="cross-validate the fusion weights over the dev sets (quality only)")
    parser.add_argument("--quality-only", action="store_true", help="skip the ingest and latency measurements")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 10k/100k latency runs")
    parser.add_argument("--demo-only", action="store_true", help="skip the third-party dev set (no apt needed)")
    parser.add_argument("--embedding-model", help="a sentence-transformers model folder to measure instead of the packaged MiniLM")
    parser.add_argument("--rewrite", metavar="MODEL", help="add rows where this catalogue chat model rewrites each question (e.g. qwen2.5-coder-1.5b)")
    parser.add_argument("--rewrite-prompt", default="2", help="comma-separated versions of prompts/search-rewrite to try (default 2)")
    parser.add_argument("--rewrite-threads", type=int, help="llama.cpp threads for the rewrites (default: the app's)")
    parser.add_argument("--chunk-questions", metavar="MODEL", help="add a row where this catalogue chat model writes learner questions "
                        "for every chunk at ingest (cached in .tutor/bench-questions; e.g. qwen2.5-coder-1.5b)")
    parser.add_argument("--question-threads", type=int, default=1, help="llama.cpp threads for writing chunk questions (default 1)")
    parser.add_argument("--questions-cached-only", action="store_true", help="with --chunk-questions: run no model, give questions only "
                        "to chunks whose questions are cached (prints how many chunks had them)")
    args = parser.parse_args()
    if args.embedding_model:  # every Settings of this process and of the spawned latency workers reads it
        os.environ["TUTOR_EMBEDDING_MODEL"] = str(Path(args.embedding_model).resolve())

    home = bench_home()
    rewriters = [Rewriter(args.rewrite, int(v), home, args.rewrite_threads) for v in args.rewrite_prompt.split(",")] if args.rewrite else []
    chunk_questions = ChunkQuestions(args.chunk_questions, home, args.question_threads, args.questions_cached_only) if args.chunk_questions else None
    q = quality(home, args.demo_only, rewriters, chunk_questions)
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
    for name in [c for c in q if c != "chunks" and not c.startswith("_")]:
        tag = {"dev": "demo", "third-party": "thirdparty"}.get(name, name.replace("-", "_"))
        for label, key in (("dense (whole chunk)", "dense"), ("bm25", "bm25"), ("hybrid v0 (RSF 0.5)", "hybrid_v0"), ("hybrid", "hybrid")):
            r = q[name][label]
            for metric in ("hit1", "hit5", "mrr10", "page1"):
                if r[metric] is not None:
                    figures[f"{tag}_{key}_{metric}"] = r[metric]
        for label, r in q[name].items():
            if label.startswith("hybrid + rewrite v"):  # hybrid_rewrite_v2_rrf_hit1 ...
                for metric in ("hit1", "hit5", "mrr10", "page1"):
                    if r[metric] is not None:
                        figures[f"{tag}_hybrid_rewrite_v{label.rsplit('v', 1)[1].replace(' ', '_')}_{metric}"] = r[metric]
        figures[f"{tag}_questions"] = q[name]["hybrid"]["questions"]
    for version, cost in q.get("_rewrite_cost", {}).items():
        figures[f"rewrite_v{version}_median_s"] = cost["median_s"]
    for name in [c for c in q if c != "chunks" and not c.startswith("_")]:
        if QUESTIONS_ROW in q[name]:
            tag = {"dev": "demo", "third-party": "thirdparty"}.get(name, name.replace("-", "_"))
            for metric in ("hit1", "hit5", "mrr10", "page1"):
                if q[name][QUESTIONS_ROW][metric] is not None:
                    figures[f"{tag}_hybrid_questions_{metric}"] = q[name][QUESTIONS_ROW][metric]
    if q.get("_questions_cost", {}).get("median_s") is not None:
        figures["chunk_questions_median_s"] = q["_questions_cost"]["median_s"]
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
    for version, cost in q.get("_rewrite_cost", {}).items():
        print(f"\nrewrite v{version} by {args.rewrite}: {cost['median_s']:.2f} s median, {cost['mean_s']:.2f} s mean, {cost['max_s']:.2f} s max "
              f"per question ({cost['questions']} questions; load average {cost['load_min']:.1f}-{cost['load_max']:.1f} when measured)")
    cost = q.get("_questions_cost")
    if cost and "median_s" in cost:
        print(f"\nchunk questions by {args.chunk_questions}: {cost['median_s']:.2f} s median, {cost['mean_s']:.2f} s mean per chunk "
              f"({cost['chunks']} chunks written, cached in .tutor/bench-questions; load average {cost['load_min']:.1f}-{cost['load_max']:.1f} when written)")
    if cost:
        print("chunks with questions: " + ", ".join(f"{c} {n}/{total}" for c, (n, total) in cost["coverage"].items()))
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
