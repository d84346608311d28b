"""The blind reading of model-written questions, prompt versions side by side, on labelled drafts.

    python benchmarks/blind_reading.py [--versions 1,2] [--model qwen2.5-coder-1.5b] [--course-dir .devsets/pg-tutorial]

Each case of evals/datasets/blind_reading.jsonl is a draft a model wrote (or its corrected twin): the course
sentence it chose (a substring locates it), its question, its key, and whether a teacher keeps it. The draft is
offered exactly as the exercise generator offers it (the passage's sentences and terms), and each version of
prompt exercise-check reads it blind. A reading keeps the draft when it names the key. The table: drafts a
teacher keeps that each reading kept, drafts a teacher refuses that it refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tutor import offline  # noqa: E402

offline.enforce()

CASES = ROOT / "evals" / "datasets" / "blind_reading.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", default="1,2")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--course-dir", action="append", default=[str(ROOT / ".devsets" / "pg-tutorial")])
    args = parser.parse_args()

    from generation import _settings

    from tutor.generation.exercises import ExerciseGenerator, course_passages
    from tutor.generation.offers import model_terms, offers, subject_tokens
    from tutor.generation.extractive import facts, term_pool
    from tutor.generation.models import ChosenItem
    from tutor.llm.catalogue import model_file
    from tutor.llm.local import LocalChatModel

    extra = {Path(folder).resolve().name: Path(folder).resolve() for folder in args.course_dir}
    _, retriever = _settings(extra)
    model = LocalChatModel(model_file(args.model))
    cases = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    versions = [int(v) for v in args.versions.split(",")]
    rows = []
    for case in cases:
        passages = course_passages(retriever, case["course"])
        pool = model_terms(term_pool(passages), passages)
        passage = next(p for p in passages if case["sentence"] in p.text.replace("\n", " "))
        offered = offers(facts(passage, pool, embedder=retriever.embedder, limit=15, words_per_sentence=5))
        number = next((i for i, o in enumerate(offered, 1) if case["sentence"] in o.sentence), None)
        if number is None or offered[number - 1].fact_for(case["key"]) is None:
            rows.append((case, {v: "not offered" for v in versions}))
            continue
        print(f"{case['id']}: terms offered {offered[number - 1].terms}", file=sys.stderr)
        chosen = ChosenItem(fact=number, question=case["question"], answer=case["key"], full_sentence=offered[number - 1].sentence)
        verdicts = {}
        for version in versions:
            generator = ExerciseGenerator(model, embedder=retriever.embedder, check_version=version)
            generator._pool, generator._subject = pool, subject_tokens(passages)
            problems = generator._blind_reading(chosen, "short_answer", offered, {}, passage)
            verdicts[version] = "keeps" if not problems else "refuses: " + problems[0].split("(")[1].split(")")[0]
        rows.append((case, verdicts))
    for case, verdicts in rows:
        print(f"{case['id']:12} teacher {case['teacher']:7} " + "  ".join(f"v{v}: {verdicts[v]}" for v in versions))
    print()
    print("| reading | teacher keeps, reading keeps | teacher refuses, reading refuses |")
    print("|---|---|---|")
    for v in versions:
        scored = [(c, d[v]) for c, d in rows if d[v] != "not offered"]
        good = [d for c, d in scored if c["teacher"] == "accept"]
        bad = [d for c, d in scored if c["teacher"] == "refuse"]
        print(f"| exercise-check v{v} | {sum(d == 'keeps' for d in good)}/{len(good)} | {sum(d != 'keeps' for d in bad)}/{len(bad)} |")


if __name__ == "__main__":
    main()
