"""What the model is offered: the same terms every run, and only keys its kind of item can ask for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from exercise_fakes import agreeing_writer, is_blind_reading

from tutor.generation.exercises import ExerciseGenerator
from tutor.generation.extractive import SourcePassage
from tutor.llm.fake import FakeChatModel

ROOT = Path(__file__).resolve().parents[2]

SENTENCE = "Line editing is also used when using the -e option to the read builtin command (see Section 4.2 [Bash Builtins], page 55)."
WORDS = ["line", "editing", "using", "builtin", "bash", "builtins", "read", "option", "also", "used"]


def test_a_sentences_prose_terms_are_the_same_in_every_process():
    # Ties of length ("Line", "Bash", "used", "read") were ordered by a set, whose order changes with each
    # process's string hashing: the Bash manual offered "Line" in one run and "Bash" in the next.
    code = ("from tutor.generation.extractive import sentence_terms; "
            f"print(sentence_terms({SENTENCE!r}, frozenset({WORDS!r}), 5))")
    seen = set()
    for seed in range(6):
        env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)}
        seen.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)
    assert len(seen) == 1, seen


LOOPS = SourcePassage(
    id="p1", course="c", concept="loops", concept_title="Loops", source="07-loops.md", section="Loops > break and continue",
    text=("Two statements change the normal flow of a loop. `break` exits the loop immediately, skipping any "
          "remaining items. `continue` skips the rest of the current pass and jumps straight to the next one."),
)
COUNTING = SourcePassage(
    id="p2", course="c", concept="loops", concept_title="Loops", source="07-loops.md", section="Loops > Counting",
    text="To repeat something a fixed number of times, loop over `range()`. A `while` loop keeps running as long as its condition holds.",
)
BUILTINS = SourcePassage(
    id="p5", course="c", concept="functions", concept_title="Functions", source="05-functions.md", section="Functions > Built-ins",
    text=("Python comes with many built-in functions, such as `print()`, `len()` and `input()`. "
          "The `return` statement sends a value back to the caller of a function."),
)


def _draft(question: str, answer: str, sentence: str, fact: int = 1) -> str:
    return json.dumps({"fact": fact, "question": question, "answer": answer, "full_sentence": sentence})


def test_a_written_question_is_asked_of_one_sentence_and_a_refused_draft_moves_to_the_next_sentence():
    # Offered three sentences at once, the 1.5B often named one and asked about another ("not about the chosen
    # sentence": 15 of its 53 drafts on two courses), and a fresh sample of the same prompt repeated the mistake.
    fake = agreeing_writer(
        _draft("Which built-in function returns the number of items in a list?", "break", "`break` exits the loop immediately."),
        _draft("Which statement skips the rest of the current pass of a loop?", "continue",
               "`continue` skips the rest of the current pass and jumps straight to the next one."),
    )
    batch = ExerciseGenerator(fake, max_retries=2).generate([LOOPS], n=1, types=["short_answer"], pool_passages=[LOOPS, COUNTING])
    (item,) = batch.items
    assert (item.origin, item.answer, item.attempts) == ("model", "continue", 2)
    first, second = [call["messages"][-1]["content"] for call in fake.calls if not is_blind_reading(call["messages"])]
    assert "`break` exits the loop" in first and "`continue` skips" not in first
    assert "`continue` skips" in second and "`break` exits the loop" not in second
    assert batch.stats["rejections"] == {"the question is not about the chosen sentence": 1}


def test_the_model_tries_a_second_passage_before_the_fallback_writes_the_item():
    # One passage per slot: after its refused drafts, the quoted item was served at once.
    def reply(messages):
        if is_blind_reading(messages):
            return json.dumps({"answer": "while"})
        if "`while` loop keeps running" in messages[-1]["content"]:
            return _draft("Which loop keeps running as long as its condition holds?", "while",
                          "A `while` loop keeps running as long as its condition holds.")
        return _draft("Which built-in function returns the number of items in a list?", "break", "`break` exits the loop immediately.")

    fake = FakeChatModel(default=reply)
    batch = ExerciseGenerator(fake, max_retries=1).generate([LOOPS, COUNTING], n=1, types=["short_answer"], pool_passages=[LOOPS, COUNTING])
    (item,) = batch.items
    assert (item.origin, item.source_id, item.answer) == ("model", "p2", "while")
    assert len(batch.stats["slot_seconds"]) == 1  # what the learner waited for the item


def test_a_fill_in_the_blank_is_offered_only_the_blanks_the_verifier_keeps():
    # Served by the 1.5B and refused afterwards: "such as ____, len() and input()" (any built-in fits).
    fake = FakeChatModel(default=json.dumps({"fact": 1, "answer": "return",
                                             "full_sentence": "The `return` statement sends a value back to the caller of a function."}))
    batch = ExerciseGenerator(fake, max_retries=0).generate([BUILTINS], n=1, types=["fill_blank"], pool_passages=[BUILTINS, LOOPS, COUNTING])
    shown = fake.prompts[0][-1]["content"]
    assert "such as" not in shown and "Sentence 1: The `return` statement" in shown
    assert batch.items[0].origin == "model" and batch.items[0].answer == "return"


def test_a_passage_with_no_blank_to_offer_never_reaches_the_model():
    # Its only sentence lists members ("such as ____, len() and input()"): no blank the verifier keeps. The
    # model was asked anyway with a schema of no variants; llama.cpp turned that into an empty grammar and the
    # benchmark's process died in the sampler (in the app: the server, from the exercise pool's writer).
    listing = SourcePassage(id="p6", course="c", concept="functions", concept_title="Functions", source="05-functions.md",
                            section="Functions > Built-ins",
                            text="Python comes with many built-in functions, such as `print()`, `len()` and `input()`.")
    fake = FakeChatModel(default="{}")
    ExerciseGenerator(fake, max_retries=0).generate([listing], n=1, types=["fill_blank"], pool_passages=[listing, LOOPS, COUNTING])
    assert fake.calls == []


def test_a_choice_schema_of_no_sentences_is_refused_before_it_becomes_a_grammar():
    import pytest

    from tutor.generation.offers import choice_schema

    with pytest.raises(ValueError):
        choice_schema("fill_blank", [])


class _CountingEmbedder:
    """Deterministic unit vectors per text (a hash seeds them), counting how often each text is embedded."""

    name, dimension = "counting", 16

    def __init__(self):
        self.seen: dict[str, int] = {}

    def embed(self, texts, batch_size=64):
        import hashlib

        import numpy as np

        rows = []
        for text in texts:
            self.seen[text] = self.seen.get(text, 0) + 1
            vector = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)).normal(size=self.dimension)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, dtype=np.float32).reshape(len(rows), self.dimension)


def test_a_batch_embeds_each_text_once():
    # The duplicate check embeds every earlier item for each new candidate, and wrong options embed the course's
    # terms for every fact: on the demo course 190 of 200 seconds of a 6-slot batch went to the embedder.
    embedder = _CountingEmbedder()
    batch = ExerciseGenerator(FakeChatModel(default="{}"), embedder=embedder, max_retries=0).generate(
        [LOOPS, COUNTING, BUILTINS], n=3, pool_passages=[LOOPS, COUNTING, BUILTINS])
    assert len(batch.items) == 3
    assert embedder.seen and max(embedder.seen.values()) == 1, {t: n for t, n in embedder.seen.items() if n > 1}


def test_a_written_question_is_not_offered_a_key_its_sentence_names_beside_other_members():
    # Served by the 1.5B and kept by every check, refused by a teacher: "Which kind of loop is used in Python?" keyed
    # "for" (while is as right), "Which type of numbers …?" keyed "integers", "What is the name of one of the
    # built-in functions?" keyed print(). A fill-in-the-blank of the same sentence says which member it wants.
    from tutor.generation.extractive import Fact
    from tutor.generation.offers import one_of_several

    def fact(sentence, key):
        return Fact(sentence=sentence, answer=key, blanked=sentence.replace(key, "____", 1), distractors=())

    assert one_of_several(fact("Python has two kinds of loop, for and while.", "for"))
    assert one_of_several(fact("Python has two kinds of loop, for and while.", "while"))
    assert one_of_several(fact("Python has two everyday number types, integers and floating-point numbers.", "integers"))
    assert one_of_several(fact("You have used built-in functions, such as print(), len() and input().", "print()"))
    assert not one_of_several(fact("The break statement exits a loop immediately, skipping any remaining items.", "break"))
    assert not one_of_several(fact("A module is simply a file of Python code that you can reuse by importing it.", "module"))
    loops = SourcePassage(id="k", course="c", concept="loops", concept_title="Loops", source="07-loops.md", section="Loops",
                          text="Python has two kinds of loop, `for` and `while`. The `break` statement exits a loop immediately.")
    fake = FakeChatModel(default="{}")
    ExerciseGenerator(fake, max_retries=0).generate([loops], n=1, types=["short_answer"], pool_passages=[loops, LOOPS, COUNTING])
    shown = " ".join(prompt[-1]["content"] for prompt in fake.prompts)
    assert "Terms: break" in shown and "two kinds of loop" not in shown


def test_a_question_asking_for_one_of_several_things_is_refused():
    # Served by the 1.5B: "What is one of the most used types in Python?" (Lists; strings are as right).
    from tutor.generation.models import Exercise
    from tutor.generation.verifier import verify

    item = Exercise(type="short_answer", question="What is one of the most used types in Python?", options=[], answer="Lists",
                    explanation="Lists are one of the most used types in Python.", difficulty="medium", course="c", concept="lists",
                    source_id="l", source_text="Lists are one of the most used types in Python. A list holds values in order.",
                    origin="model", prompt_id="exercise", prompt_version=4, model="fake")
    assert any("asks for several things" in p for p in verify(item)), verify(item)


def test_a_clause_joined_by_and_is_no_list():
    from tutor.generation.extractive import Fact
    from tutor.generation.offers import one_of_several

    sentence = "`break` leaves the loop at once, and `continue` only skips to the next pass of it."
    for key in ("`break`", "`continue`"):
        assert not one_of_several(Fact(sentence=sentence, answer=key.strip("`"), blanked=sentence.replace(key, "____"), distractors=()))
