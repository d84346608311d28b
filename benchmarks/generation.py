"""Generation benchmark: the embedded models side by side through the tutor's own generation code.

    python benchmarks/generation.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2-135m]
                                    [--questions 5] [--n 3] [--json]

Every model answers the same questions (the first --questions of evals/datasets/answers_labelled.jsonl,
hand-labelled with the facts a right answer states) through `Explainer.stream`, the path the chat uses,
and writes the same --n exercises across the demo course through `ExerciseGenerator`, in one run, so
the ratios between models hold even on a busy machine (the load average is printed beside them).

One row per model:
- answer p50: seconds from the question to the whole checked answer (p50 over the questions);
- first sentence p50: seconds until the learner sees the first checked sentence;
- TTFT: the model's first token for one explain prompt, read cold (empty KV cache) with the old prompt
  (explain v1: four whole chunks) and with today's (explain v2: the sentences that matter), and warm
  (the fixed system prompt already in the cache, as from the second chat question on);
- model-written share of explanations and of exercises (written by the model AND accepted by the checks);
- supported share: of the sentences the model wrote, the share a passage supports (the rest are not shown);
- right answers: served answers that state every labelled fact (any origin), and those the model wrote.
The verifier's reasons for refusing exercise drafts are counted by kind. Uses TUTOR_HOME when it holds the
demo course, else ingests it into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
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
DEFAULT_MODELS = "qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2-135m"
LABELLED = ROOT / "evals" / "datasets" / "answers_labelled.jsonl"


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


def states_facts(text: str, facts: list[list[str]]) -> bool:
    """Whether an answer states every labelled fact (each fact: alternatives, any one found, case-folded)."""
    low = text.casefold().replace("`", "")
    return all(any(alt.casefold() in low for alt in alternatives) for alternatives in facts)


def ttft(model, llama, messages, warm_with=None) -> float:
    """Seconds to the model's first token; cold from an empty KV cache, or warm after `warm_with` ran."""
    llama.reset()
    if warm_with is not None:
        for _ in model.stream(warm_with, max_tokens=1, temperature=0.2):
            pass
    started = time.perf_counter()
    for _ in model.stream(messages, max_tokens=1, temperature=0.2):
        break
    return time.perf_counter() - started


def speed(model, retriever, question: str, other_question: str) -> dict:
    from tutor.generation.explanation import Explainer
    from tutor.generation.models import LearnerProfile
    from tutor.llm.local import load_llama
    from tutor.prompts import load_prompt

    llama = load_llama(model.path)
    explainer = Explainer(model, retriever)
    passages, _ = explainer._context(question, COURSE)
    new = explainer.messages(question, passages, LearnerProfile())
    warm_with = explainer.messages(other_question, explainer._context(other_question, COURSE)[0], LearnerProfile())
    explainer.prompt = load_prompt("explain", 1)
    old = explainer.messages(question, passages, LearnerProfile())
    result = {
        "ttft_v1_cold_s": round(ttft(model, llama, old), 2),
        "ttft_v2_cold_s": round(ttft(model, llama, new), 2),
        "ttft_v2_warm_s": round(ttft(model, llama, new, warm_with), 2),
        "prompt_tokens_v1": len(llama.tokenize(json.dumps(old).encode())),
        "prompt_tokens_v2": len(llama.tokenize(json.dumps(new).encode())),
    }
    llama.reset()
    return result


def explanations(model, retriever, cases: list[dict]) -> dict:
    from tutor.generation.explanation import Explainer

    explainer = Explainer(model, retriever)
    totals, firsts, origins, shares, right, right_model, answers = [], [], [], [], 0, 0, []
    for case in cases:
        started = time.perf_counter()
        first = None
        stream = explainer.stream(case["question"], COURSE)
        for _ in stream:
            first = first if first is not None else time.perf_counter() - started
        totals.append(time.perf_counter() - started)
        firsts.append(first if first is not None else totals[-1])
        result = stream.result
        origins.append(result.origin)
        if result.supported_share is not None:
            shares.append(result.supported_share)
        ok = states_facts(result.text, case["facts"])
        right += ok
        right_model += ok and result.origin == "model"
        answers.append({"id": case["id"], "origin": result.origin, "right": ok, "seconds": round(totals[-1], 1), "text": result.text})
    return {
        "answer_p50_s": round(statistics.median(totals), 1),
        "first_sentence_p50_s": round(statistics.median(firsts), 1),
        "explanations": len(cases),
        "model_explanations": origins.count("model"),
        "model_explanation_share": round(origins.count("model") / len(cases), 3),
        "supported_share": round(statistics.mean(shares), 3) if shares else None,
        "right_answers": right,
        "right_answers_by_model": right_model,
        "answers": answers,
    }


def exercises(model, retriever, n: int, max_retries: int) -> dict:
    from tutor.generation.exercises import ExerciseGenerator, course_passages

    passages = course_passages(retriever, COURSE)
    started = time.perf_counter()
    batch = ExerciseGenerator(model, embedder=retriever.embedder, max_retries=max_retries).generate(passages, n=n, pool_passages=passages)
    s = batch.stats
    model_items = sum(item.origin == "model" for item in batch.items)
    return {
        "items": len(batch.items),
        "model_items": model_items,
        "model_item_share": round(model_items / n, 3) if n else None,
        "drafts": s["completions"],
        "parse_rate": round(s["parsed"] / s["completions"], 3) if s["completions"] else None,
        "rejections": dict(sorted(s.get("rejections", {}).items(), key=lambda kv: -kv[1])),
        "fallback_rejections": dict(sorted(s.get("fallback_rejections", {}).items(), key=lambda kv: -kv[1])),
        "exercise_seconds": round(time.perf_counter() - started, 1),
        "items_served": [{"origin": i.origin, "type": i.type, "question": i.question, "options": i.options, "answer": i.answer} for i in batch.items],
    }


def run(args) -> dict:
    from tutor.llm.catalogue import CATALOGUE, model_file
    from tutor.llm.local import LocalChatModel

    _, retriever = _settings()
    cases = [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()][: args.questions]
    results = {"course": COURSE, "questions": len(cases), "exercises_asked": args.n, "cores": os.cpu_count(),
               "load_before": round(os.getloadavg()[0], 1), "models": {}}
    for name in args.models.split(","):
        entry = CATALOGUE[name]
        model = LocalChatModel(model_file(name))
        row = {"title": entry.title, "licence": entry.licence, "size_mb": round(entry.size / 1e6)}
        row.update(speed(model, retriever, cases[0]["question"], cases[-1]["question"]))
        row.update(explanations(model, retriever, cases))
        if args.n:
            row.update(exercises(model, retriever, args.n, args.max_retries))
        row["load_after"] = round(os.getloadavg()[0], 1)
        results["models"][name] = row
        print(f"[{name} done: load {row['load_after']}]", file=sys.stderr, flush=True)
        if args.out:  # partial results survive an interrupted run
            Path(args.out).write_text(json.dumps(results, indent=2))
    return results


COLUMNS = [
    ("model", lambda n, r: n),
    ("size MB", lambda n, r: r["size_mb"]),
    ("answer p50 s", lambda n, r: r["answer_p50_s"]),
    ("1st sentence p50 s", lambda n, r: r["first_sentence_p50_s"]),
    ("TTFT v1 cold / v2 cold / v2 warm s", lambda n, r: f"{r['ttft_v1_cold_s']} / {r['ttft_v2_cold_s']} / {r['ttft_v2_warm_s']}"),
    ("model-written explanations", lambda n, r: f"{r['model_explanations']}/{r['explanations']}"),
    ("model-written items", lambda n, r: f"{r['model_items']}/{r['items']}" if "model_items" in r else "-"),
    ("supported share", lambda n, r: r["supported_share"]),
    ("right answers (all / model)", lambda n, r: f"{r['right_answers']}/{r['explanations']} / {r['right_answers_by_model']}"),
]


def table(results: dict) -> str:
    rows = [[str(get(name, row)) for _, get in COLUMNS] for name, row in results["models"].items()]
    headers = [title for title, _ in COLUMNS]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    after = ", ".join(f"{n}: {r['load_after']}" for n, r in results["models"].items())
    out.append(f"\n{results['questions']} labelled questions, {results['exercises_asked']} exercises per model, demo course; "
               f"{results['cores']} cores, load average {results['load_before']} at start ({after} after each model).")
    for name, row in results["models"].items():
        if row.get("rejections") or row.get("fallback_rejections"):
            out.append(f"{name} rejections: drafts {row.get('rejections')}; fallback candidates {row.get('fallback_rejections')}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated catalogue names")
    parser.add_argument("--questions", type=int, default=5, help="labelled questions per model (at most 10)")
    parser.add_argument("--n", type=int, default=3, help="exercises per model (0: none)")
    parser.add_argument("--max-retries", type=int, default=1, help="re-asks per exercise draft")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--out", help="also write the JSON here after each model")
    args = parser.parse_args()
    results = run(args)
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
