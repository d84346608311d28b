"""Generation benchmark: the embedded models side by side through the tutor's own generation code.

    python benchmarks/generation.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2-135m]
                                    [--questions 5] [--n 3] [--course-dir .devsets/pg-tutorial] [--json]

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
- item p50: seconds a learner waits for one exercise (the model's drafts and checks, and the fallback when it gives up);
- supported share: of the sentences the model wrote, the share a passage supports (the rest are not shown);
- right answers: served answers that state every labelled fact (any origin), and those the model wrote.
The verifier's reasons for refusing exercise drafts are counted by kind. `--course-dir DIR` (repeatable) also
writes --n exercises on third-party material (e.g. the PostgreSQL tutorial that benchmarks/devsets.py fetches
into .devsets/pg-tutorial), ingested as a course named after the folder: one more "model-written items" column
and its refusal reasons per course. Uses TUTOR_HOME when it holds every course, else ingests them into a
temporary folder.
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


def _settings(extra: dict[str, Path] | None = None):
    """Settings and a retriever over a home holding the demo course and every `extra` course (id -> folder)."""
    from tutor.config import Settings
    from tutor.retrieval.ingest import CourseManifest, ingest
    from tutor.retrieval.retriever import Retriever

    courses = {COURSE: ROOT / "knowledge" / COURSE, **(extra or {})}
    settings = Settings()
    retriever = Retriever(settings)
    if not set(courses) <= set(retriever.store.course_ids()):
        settings = Settings(home=Path(tempfile.mkdtemp(prefix="tutor-bench-")))
        retriever = Retriever(settings)
        for course, folder in courses.items():
            manifest = CourseManifest.find([folder])
            report = ingest([folder], course, retriever.store, retriever.embedder, settings, title=manifest.title if manifest else course)
            if not report.chunks_written:
                raise SystemExit(f"{folder}: nothing ingested ({report.skipped})")
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


def exercises(model, retriever, n: int, max_retries: int, course: str = COURSE) -> dict:
    from tutor.generation.exercises import ExerciseGenerator, course_passages

    passages = course_passages(retriever, course)
    started = time.perf_counter()
    batch = ExerciseGenerator(model, embedder=retriever.embedder, max_retries=max_retries).generate(passages, n=n, pool_passages=passages)
    s = batch.stats
    model_items = sum(item.origin == "model" for item in batch.items)
    return {
        "items": len(batch.items),
        "model_items": model_items,
        "model_item_share": round(model_items / n, 3) if n else None,
        "drafts": s["completions"],
        "blind_readings": s.get("completions_check", 0),
        "parse_rate": round(s["parsed"] / s["completions"], 3) if s["completions"] else None,
        "rejections": dict(sorted(s.get("rejections", {}).items(), key=lambda kv: -kv[1])),
        "fallback_rejections": dict(sorted(s.get("fallback_rejections", {}).items(), key=lambda kv: -kv[1])),
        "exercise_seconds": round(time.perf_counter() - started, 1),
        # What a learner waits for one item (a slot: the model's drafts, its checks, the fallback when it gives up).
        "item_p50_s": round(statistics.median(s["slot_seconds"]), 1) if s.get("slot_seconds") else None,
        "item_max_s": round(max(s["slot_seconds"]), 1) if s.get("slot_seconds") else None,
        "drafts_written": s.get("drafts", []),
        "items_served": [{"origin": i.origin, "type": i.type, "question": i.question, "options": i.options, "answer": i.answer,
                          "explanation": i.explanation} for i in batch.items],
    }


def run(args) -> dict:
    from tutor.llm.catalogue import CATALOGUE, model_file
    from tutor.llm.local import LocalChatModel

    if args.threads:  # before any model is loaded: 1 leaves a core to whoever shares the machine
        import tutor.llm.local

        tutor.llm.local.N_THREADS = args.threads
    extra = {Path(folder).resolve().name: Path(folder).resolve() for folder in args.course_dir}
    _, retriever = _settings(extra)
    cases = [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()][: args.questions]
    from tutor.llm.local import N_THREADS

    results = {"course": COURSE, "third_party": list(extra), "questions": len(cases), "exercises_asked": args.n,
               "cores": os.cpu_count(), "llama_threads": N_THREADS, "load_before": round(os.getloadavg()[0], 1), "models": {}}
    for name in args.models.split(","):
        entry = CATALOGUE[name]
        model = LocalChatModel(model_file(name))
        row = {"title": entry.title, "licence": entry.licence, "size_mb": round(entry.size / 1e6)}
        row.update(speed(model, retriever, cases[0]["question"], cases[-1]["question"]))
        row.update(explanations(model, retriever, cases))
        results["models"][name] = row
        if args.n:
            row.update(exercises(model, retriever, args.n, args.max_retries))
            # The same measurement on each third-party course: material the prompts were not written against.
            row["third_party"] = {}
            for course in extra:
                _save(args.out, results)  # partial results survive an interrupted run
                row["third_party"][course] = exercises(model, retriever, args.n, args.max_retries, course)
        row["load_after"] = round(os.getloadavg()[0], 1)
        print(f"[{name} done: load {row['load_after']}]", file=sys.stderr, flush=True)
        _save(args.out, results)
    return results


def _save(out: str | None, results: dict) -> None:
    if out:
        Path(out).write_text(json.dumps(results, indent=2))


COLUMNS = [
    ("model", lambda n, r: n),
    ("size MB", lambda n, r: r["size_mb"]),
    ("answer p50 s", lambda n, r: r["answer_p50_s"]),
    ("1st sentence p50 s", lambda n, r: r["first_sentence_p50_s"]),
    ("TTFT v1 cold / v2 cold / v2 warm s", lambda n, r: f"{r['ttft_v1_cold_s']} / {r['ttft_v2_cold_s']} / {r['ttft_v2_warm_s']}"),
    ("model-written explanations", lambda n, r: f"{r['model_explanations']}/{r['explanations']}"),
    ("model-written items", lambda n, r: f"{r['model_items']}/{r['items']}" if "model_items" in r else "-"),
    ("item p50 s", lambda n, r: r.get("item_p50_s", "-")),
    ("supported share", lambda n, r: r["supported_share"]),
    ("right answers (all / model)", lambda n, r: f"{r['right_answers']}/{r['explanations']} / {r['right_answers_by_model']}"),
]


def table(results: dict, show_drafts: bool = False) -> str:
    columns = COLUMNS + [
        column for course in results.get("third_party", []) for column in [
            (f"model-written items {course}", lambda n, r, c=course: f"{r['third_party'][c]['model_items']}/{r['third_party'][c]['items']}"
             if c in r.get("third_party", {}) else "-"),
            (f"item p50 s {course}", lambda n, r, c=course: r["third_party"][c].get("item_p50_s", "-") if c in r.get("third_party", {}) else "-"),
        ]
    ]
    rows = [[str(get(name, row)) for _, get in columns] for name, row in results["models"].items()]
    headers = [title for title, _ in columns]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    after = ", ".join(f"{n}: {r['load_after']}" for n, r in results["models"].items())
    courses = ", ".join([f"demo course ({COURSE})", *results.get("third_party", [])])
    out.append(f"\n{results['questions']} labelled questions (demo course), {results['exercises_asked']} exercises per model and course ({courses}); "
               f"{results['cores']} cores, {results.get('llama_threads', '?')} llama.cpp threads, load average {results['load_before']} at start ({after} after each model).")
    for name, row in results["models"].items():
        for course, figures in [(COURSE, row), *row.get("third_party", {}).items()]:
            if "drafts" in figures:
                out.append(f"{name} on {course}: {figures['drafts']} drafts, {figures.get('blind_readings', 0)} blind readings; "
                           f"refused: {figures.get('rejections') or 'none'}; fallback candidates refused: {figures.get('fallback_rejections') or 'none'}")
    if show_drafts:
        out.append("\nDrafts the checks refused:")
        for name, row in results["models"].items():
            for course, figures in [(COURSE, row), *row.get("third_party", {}).items()]:
                for draft in figures.get("drafts_written", []):
                    if draft["problems"]:
                        out.append(f"{name} {course} [{draft['type']}] {draft['text']} -> {'; '.join(draft['problems'])}")
    out.append("\nItems served (read them: a share of model-written items says nothing of whether a teacher would keep them):")
    for name, row in results["models"].items():
        for course, figures in [(COURSE, row), *row.get("third_party", {}).items()]:
            for number, item in enumerate(figures.get("items_served", []), start=1):
                options = f" options: {' | '.join(item['options'])}" if item["options"] else ""
                out.append(f"{name} {course} {number:2d} [{item['origin']}, {item['type']}] {item['question']} -> {item['answer']}{options}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated catalogue names")
    parser.add_argument("--questions", type=int, default=5, help="labelled questions per model (at most 10)")
    parser.add_argument("--n", type=int, default=3, help="exercises per model (0: none)")
    parser.add_argument("--max-retries", type=int, default=2, help="fresh samples after a refused exercise draft (the app: TUTOR_LLM_MAX_RETRIES, 2)")
    parser.add_argument("--course-dir", action="append", default=[], help="also write exercises on this folder of third-party material (repeatable)")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (default: the app's, 2)")
    parser.add_argument("--drafts", action="store_true", help="also print every exercise draft the checks refused")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--out", help="also write the JSON here after each model")
    args = parser.parse_args()
    results = run(args)
    print(json.dumps(results, indent=2) if args.json else table(results, args.drafts))


if __name__ == "__main__":
    main()
