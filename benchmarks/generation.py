"""Generation benchmark: speed of the local backend beside raw llama-cpp-python, and quality on the demo course.

    python benchmarks/generation.py [--json] [--n 50] [--explanations 10] [--speed-only | --quality-only] [--via-server]

Speed: the same explain prompt through raw `Llama.create_chat_completion` and through LocalChatModel
(same loaded model, same run, alternating, median of --repeats), tokens/s from non-streamed calls and
time to first token from streamed ones. Quality: --n exercises drawn across the course from the
configured backend (default the embedded model): parse rate of every completion, verifier pass rate on
the first try and after re-asks, share served by the extractive fallback, duplicates in the batch;
explanations for the first --explanations questions of evals/datasets/retrieval_dev.jsonl: share of
cited sentences supported by the passage they cite. Uses TUTOR_HOME when it holds the demo course,
else ingests it into a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor import offline  # noqa: E402

offline.enforce()

COURSE = "intro-python"
QUESTION = "How do I stop a loop early?"
MAX_TOKENS = 128


def _settings():
    from tutor.config import Settings
    from tutor.retrieval.ingest import CourseManifest, ingest
    from tutor.retrieval.retriever import Retriever

    settings = Settings()
    retriever = Retriever(settings)
    if COURSE not in retriever.store.course_ids():
        settings = Settings(home=Path(tempfile.mkdtemp(prefix="tutor-bench-")))
        retriever = Retriever(settings)
        demo = ROOT / "knowledge" / COURSE
        ingest([demo], COURSE, retriever.store, retriever.embedder, settings, title=CourseManifest.find([demo]).title)
    return settings, retriever


def speed(retriever, repeats: int) -> dict:
    from tutor.generation.explanation import Explainer
    from tutor.generation.models import LearnerProfile
    from tutor.llm.local import LocalChatModel, load_llama

    model = LocalChatModel()
    llama = load_llama()
    passages = retriever.search(QUESTION, COURSE, k=4)
    messages = Explainer(model, retriever).messages(QUESTION, passages, LearnerProfile())

    # Every measured call starts from an empty KV cache: otherwise llama.cpp reuses the prompt the
    # previous call left behind and "time to first token" measures nothing (both sides did 3-50 ms).
    def raw_complete():
        llama.reset()
        t = time.perf_counter()
        out = llama.create_chat_completion(messages=messages, max_tokens=MAX_TOKENS, temperature=0.2, seed=0)
        return out["usage"]["completion_tokens"], time.perf_counter() - t

    def ours_complete():
        llama.reset()
        c = model.complete(messages, max_tokens=MAX_TOKENS, temperature=0.2)
        return c.completion_tokens, c.latency_s

    def raw_ttft():
        llama.reset()
        t = time.perf_counter()
        for chunk in llama.create_chat_completion(messages=messages, max_tokens=MAX_TOKENS, temperature=0.2, seed=0, stream=True):
            if chunk["choices"][0]["delta"].get("content"):
                return time.perf_counter() - t

    def ours_ttft():
        llama.reset()
        t = time.perf_counter()
        for _ in model.stream(messages, max_tokens=MAX_TOKENS, temperature=0.2):
            return time.perf_counter() - t

    raw_tps, our_tps, raw_first, our_first = [], [], [], []
    raw_complete()  # warm-up: the first call pays for loading and the prompt cache
    for _ in range(repeats):
        n, s = raw_complete()
        raw_tps.append(n / s)
        n, s = ours_complete()
        our_tps.append(n / s)
        raw_first.append(raw_ttft())
        our_first.append(ours_ttft())
    return {
        "tokens_per_s": round(statistics.median(our_tps), 1),
        "raw_tokens_per_s": round(statistics.median(raw_tps), 1),
        "ttft_ms": round(1000 * statistics.median(our_first), 1),
        "raw_ttft_ms": round(1000 * statistics.median(raw_first), 1),
        "overhead": round(1 - statistics.median(our_tps) / statistics.median(raw_tps), 3),
        "prompt_tokens": len(llama.tokenize(json.dumps(messages).encode())),
    }


def exercises(model, retriever, n: int, max_retries: int) -> dict:
    from tutor.generation.exercises import ExerciseGenerator, course_passages
    from tutor.generation.verifier import duplicate_pairs

    passages = course_passages(retriever, COURSE)
    started = time.perf_counter()
    batch = ExerciseGenerator(model, embedder=retriever.embedder, max_retries=max_retries).generate(passages, n=n, pool_passages=passages)
    s = batch.stats
    items = max(len(batch.items), 1)
    return {
        "exercises": len(batch.items),
        "parse_rate": round(s["parsed"] / s["completions"], 3) if s["completions"] else None,
        "verified_first_try": round(s["first_try"] / n, 3),
        "verified_after_retries": round((s["first_try"] + s["after_retries"]) / n, 3),
        "fallback_share": round(s["fallback"] / items, 3),
        "duplicate_rate": round(duplicate_pairs(batch.items, retriever.embedder) / items, 3),
        "distinct_passages": len({i.source_id for i in batch.items}),
        "completions": s["completions"],
        # The verifier's reasons for refusing drafts, most frequent first: where the model falls short.
        "rejections": dict(sorted(s.get("rejections", {}).items(), key=lambda kv: -kv[1])[:6]),
        "exercise_seconds": round(time.perf_counter() - started, 1),
    }


def explanations(model, retriever, count: int) -> dict:
    from tutor.generation.explanation import Explainer, citation_support

    cases = [json.loads(line) for line in (ROOT / "evals" / "datasets" / "retrieval_dev.jsonl").read_text().splitlines() if line.strip()]
    explainer = Explainer(model, retriever)
    supports, origins = [], []
    for case in cases[:count]:
        result = explainer.explain(case["question"], COURSE)
        origins.append(result.origin)
        if result.citations:
            passages = {c.n: c for c in result.citations}
            ordered = [passages.get(i) or type("P", (), {"text": ""})() for i in range(1, max(passages) + 1)]
            supports.append(citation_support(result.text, ordered))
    return {
        "citation_support": round(statistics.mean(supports), 3) if supports else None,
        "explanations": len(origins),
        "explanations_from_model": origins.count("model"),
        "explanations_extractive": origins.count("extractive"),
        "explanations_no_context": origins.count("no_context"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--n", type=int, default=50, help="exercises to write (0: none)")
    parser.add_argument("--explanations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--speed-only", action="store_true", help="skip the exercise and explanation quality runs")
    parser.add_argument("--via-server", action="store_true",
                        help="measure quality through the openai backend against llama_cpp.server serving the embedded GGUF on 127.0.0.1")
    parser.add_argument("--quality-only", action="store_true",
                        help="skip the local speed comparison (e.g. when TUTOR_LLM=openai measures an endpoint's quality)")
    args = parser.parse_args()

    settings, retriever = _settings()
    with contextlib.ExitStack() as stack:
        if args.via_server:  # the endpoint path end to end: HTTP, json_schema response format, retries
            from tutor.devservices import llama_server
            from tutor.llm.local import default_model_path

            url = stack.enter_context(llama_server(default_model_path(), n_ctx=4096))
            # A 640-token draft on 2 busy cores can take over a minute: the timeout is for dead servers, not slow ones.
            settings = settings.model_copy(update={"llm": "openai", "llm_base_url": url, "llm_model": "smollm2", "llm_timeout_s": 300.0})
        results = run(settings, retriever, args)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    width = max(map(len, results))
    print("generation benchmark (demo course)")
    for key, value in results.items():
        print(f"  {key:<{width}}  {value}")
    if "overhead" in results:
        print(f"  {'overhead vs raw':<{width}}  {results['overhead']:.1%} (target < 10%)")


def run(settings, retriever, args) -> dict:
    from tutor.llm.registry import get_chat_model

    results = {"backend": settings.llm}
    if not args.quality_only:
        results.update(speed(retriever, args.repeats))
    model = get_chat_model(settings)
    results["model"] = model.name
    if not args.speed_only:
        if args.n:  # --n 0 measures the explanations alone
            results.update(exercises(model, retriever, args.n, settings.llm_max_retries))
        results.update(explanations(model, retriever, args.explanations))
    return results


if __name__ == "__main__":
    main()
