"""Items the 1.5B wrote (or the fallback built) that every check kept and a teacher refuses, and the sentence that
leans on the one before it, which a teacher asks about together with that sentence."""

from __future__ import annotations

import json

import pytest
from exercise_fakes import agreeing_writer

from tutor.generation.exercises import ExerciseGenerator
from tutor.generation.extractive import SourcePassage, facts, fact_sentences, page_talk, term_pool
from tutor.generation.models import BLANK, Exercise
from tutor.generation.offers import one_of_several
from tutor.generation.verifier import verify

DICTIONARIES = SourcePassage(
    id="d1", course="c", concept="dictionaries", concept_title="Dictionaries", source="08-dictionaries.md", section="Dictionaries",
    text=("Lists are great when position matters, but often you want to find information by name rather than by number. "
          "For that, Python has the `dict`."),
)
OTHERS = [SourcePassage(id=f"o{i}", course="c", concept=f"c{i}", concept_title=f"C{i}", source="o.md", section=f"C{i}", text=text)
          for i, text in enumerate(["A `list` holds several values in a single variable, in order.",
                                    "The `tuple` is a list that cannot change once it is made.",
                                    "A `set` holds values without order and without repeats."])]


def _item(question: str, answer: str, text: str, type: str = "short_answer", origin: str = "model", explanation: str = "") -> Exercise:
    return Exercise(type=type, question=question, options=[], answer=answer, explanation=explanation or text.split(". ")[0] + ".",
                    difficulty="easy", course="c", concept="x", source_id="x1", source_text=text, origin=origin,
                    prompt_id="exercise", prompt_version=5, model="fake")


def test_a_sentence_that_points_back_is_offered_with_the_sentence_before_it():
    # The 1.5B asked "What is the name of the data structure that Python uses to store key-value pairs?" of "For
    # that, Python has the dictionary.": a good question about what "that" is, refused because it shares no word with
    # the sentence alone. Quoted with the sentence before it, the question is about the sentence it was asked of.
    found = facts(DICTIONARIES, term_pool([DICTIONARIES, *OTHERS]))
    dict_fact = next(f for f in found if f.answer == "dict")
    assert dict_fact.sentence.startswith("Lists are great when position matters") and dict_fact.sentence.endswith("the `dict`.")
    assert dict_fact.blanked.endswith(f"For that, Python has the {BLANK}.")
    draft = json.dumps({"fact": 1, "question": "What does Python have to find information by name rather than by number?",
                        "answer": "dict", "full_sentence": "For that, Python has the dict to find information by name."})
    batch = ExerciseGenerator(agreeing_writer(draft), max_retries=0).generate(
        [DICTIONARIES], n=1, types=["short_answer"], pool_passages=[DICTIONARIES, *OTHERS])
    assert [(i.origin, i.answer) for i in batch.items] == [("model", "dict")], batch.stats.get("drafts")


def test_a_sentence_that_points_back_at_the_start_of_a_passage_is_never_asked():
    # "This creates the scripts and compiles the C files containing user-defined functions and types." was served
    # (PostgreSQL tutorial): "This" is a command the passage does not show.
    text = "This creates the `scripts` and compiles the C files containing user-defined functions. The `psql` program reads the commands you type."
    assert fact_sentences(text) == ["The `psql` program reads the commands you type."]
    # Nor after a sentence that points back itself ("It is intended to be ... It offers ..."): "It" is two sentences back.
    chain = "Bash is the shell of the GNU system. It is intended to be a conformant shell. It offers functional improvements over sh."
    assert fact_sentences(chain) == ["Bash is the shell of the GNU system.", "Bash is the shell of the GNU system. It is intended to be a conformant shell."]


@pytest.mark.parametrize("question, answer, text", [
    (f"This creates the scripts and compiles the C files containing user-defined {BLANK} and types.", "functions",
     "This creates the scripts and compiles the C files containing user-defined functions and types."),
    (f'Which term is missing from this statement? "It runs on nearly every version of {BLANK}."', "Unix",
     "It runs on nearly every version of Unix."),
    # Served by the fallback on the PostgreSQL tutorial (run of 37e655f): "this" is what the sentence before says.
    (f'Which term completes this statement? "An SQL {BLANK} statement is used to do this."', "SELECT",
     "An SQL SELECT statement is used to do this."),
    (f'Which term is missing from this statement? "You can enter this into {BLANK} with the line breaks."', "psql",
     "You can enter this into psql with the line breaks."),
    (f"In simplistic database systems this would be implemented by first looking at the {BLANK} table.", "cities",
     "In simplistic database systems this would be implemented by first looking at the cities table."),
])
def test_a_blank_in_a_sentence_that_points_outside_the_item_is_refused(question, answer, text):
    # The sentence opens by pointing back ("This creates …", "It runs …") or says "this" without what it points at.
    assert any("points at text it does not show" in p for p in verify(_item(question, answer, text, type="fill_blank")))


def test_a_question_about_this_or_these_is_refused_and_which_of_these_is_kept():
    text = "An SQL `SELECT` statement is used to do this. A `SELECT` reads rows from a table."
    this = _item("What is the SQL statement used to do this?", "SELECT", text)
    these = _item("What allows these utilities to be combined in a pipeline?", "pipes", "Bash pipes allow these utilities to be combined.")
    assert any("points at text it does not show" in p for p in verify(this)), verify(this)
    assert any("points at text it does not show" in p for p in verify(these)), verify(these)
    options = _item("Which of these statements reads rows from a table?", "SELECT", text, type="mcq")
    assert not [p for p in verify(options) if "points at" in p]


def test_an_open_blank_or_a_question_many_things_answer_is_refused():
    # Served on the PostgreSQL tutorial: transactions, SQL or views fill it as well as "aggregate functions".
    text = "Like most other relational database products, PostgreSQL supports aggregate functions."
    blank = _item(f"Like most other relational database products, PostgreSQL supports {BLANK}.", "aggregate functions", text,
                  type="fill_blank")
    question = _item("What does PostgreSQL support, like most other relational database products?", "aggregate functions", text)
    assert any("is open" in p for p in verify(blank)), verify(blank)
    assert any("is open" in p for p in verify(question)), verify(question)
    # "the" points at one thing, and words after the blank narrow it.
    one = _item(f"For that, Python has the {BLANK}.", "dict", "For that, Python has the dict.", type="fill_blank")
    narrowed = _item(f"PostgreSQL supports {BLANK} that compute a single result from several rows.", "aggregate functions",
                     "PostgreSQL supports aggregate functions that compute a single result from several rows.", type="fill_blank")
    assert not [p for item in (one, narrowed) for p in verify(item) if "is open" in p]


@pytest.mark.parametrize("sentence", [
    "Recall the `weather` and `cities` tables from Chapter 2.",  # served by the fallback (PostgreSQL tutorial)
    "See Section 3.6 [Redirections], page 38, for a description of the redirection operators.",  # served (Bash manual)
    "Let's create two tables: A table `cities` and a table `capitals`.",  # served by the 1.5B (the tutorial's example)
    "These possibilities are discussed further in Part IV.",
])
def test_a_sentence_about_the_document_or_its_example_is_never_asked(sentence):
    assert page_talk(sentence)
    blanked = _item(f"Which term completes this statement? \"{sentence.replace('`cities`', BLANK, 1)}\"", "cities", sentence, type="mcq")
    assert any("talks about the page" in p for p in verify(blanked))


def test_a_sentence_of_the_subject_is_not_taken_for_document_talk():
    for sentence in ("The `break` statement exits a loop immediately.", "Each table is a named collection of rows.",
                     "A part of the string can be picked out with a slice.", "Bash reads one line at a time."):
        assert page_talk(sentence) is None, sentence


def test_a_word_inside_one_member_of_a_list_is_refused_as_a_key():
    # Served by the 1.5B on the demo course: "What do programs need to remember?" keyed "running" (from "a running total").
    text = "Programs need to remember things: a user's name, a running total, the score in a game. A variable is a name for a value."
    written = _item("What do programs need to remember?", "running", text,
                    explanation="Programs need to remember things: a user's name, a running total, the score in a game.")
    assert any("one member of a list in its sentence" in p for p in verify(written)), verify(written)
    blank = _item(f"Programs need to remember things: a user's name, a {BLANK} total, the score in a game.", "running", text,
                  type="fill_blank")
    assert any("one member of a list" in p for p in verify(blank)), verify(blank)
    from tutor.generation.extractive import Fact
    assert one_of_several(Fact(sentence=text.split(". ")[0], answer="running",
                               blanked=f"Programs need to remember things: a user's name, a {BLANK} total, the score in a game.",
                               distractors=()))


@pytest.mark.parametrize("question", [
    f"In Python, {BLANK} is a keyword, and it ends a loop.",  # short clauses, not a list of things
    f"A {BLANK} holds several values in a single variable, in order.",
    f"Lists are great when position matters, but often you want to find information by name rather than by {BLANK}: a word's definition.",
])
def test_a_blank_in_short_clauses_is_not_taken_for_a_word_inside_a_list(question):
    item = _item(question, "x", question.replace(BLANK, "x"), type="fill_blank")
    assert not [p for p in verify(item) if "list" in p], verify(item)


def test_a_definition_asked_backwards_in_two_words_is_long_enough():
    # The 1.5B with prompt exercise v5: "What is a sequence of characters?" -> string; it was refused as too short.
    text = "A string is a sequence of characters: letters, digits, spaces, punctuation, even emoji. Strings are immutable."
    backwards = _item("What is a sequence of characters?", "string", text)
    assert not [p for p in verify(backwards) if "too short" in p], verify(backwards)
    # Two words that are not the sentence's are still too short.
    assert any("too short" in p for p in verify(_item("What is a text type?", "string", text)))


def test_the_explanation_of_a_sentence_that_points_back_is_the_restated_sentence_that_holds_the_key():
    # The 1.5B asked "What does Python have that allows you to store information by name rather than by number?"
    # (dictionary) and restated both sentences; the explanation was the first one, without the key, so it was refused.
    draft = json.dumps({"fact": 1, "question": "What does Python have to find information by name rather than by number?",
                        "answer": "dict", "full_sentence": "Lists are great when position matters, but often you want to find "
                        "information by name rather than by number. For that, Python has the dict."})
    batch = ExerciseGenerator(agreeing_writer(draft), max_retries=0).generate(
        [DICTIONARIES], n=1, types=["short_answer"], pool_passages=[DICTIONARIES, *OTHERS])
    assert [(i.origin, i.explanation) for i in batch.items] == [("model", "For that, Python has the dict.")], batch.stats.get("drafts")


def test_a_sentence_that_says_this_is_quoted_with_the_sentence_before_it():
    text = "To retrieve data from a table, the table is queried. An SQL `SELECT` statement is used to do this."
    assert fact_sentences(text)[-1] == text
    both = _item(f"To retrieve data from a table, the table is queried. An SQL {BLANK} statement is used to do this.", "SELECT",
                 text, type="fill_blank")
    assert not [p for p in verify(both) if "points at" in p], verify(both)


def test_a_wrong_option_that_is_the_key_in_another_form_is_never_offered_or_kept():
    # Served by the 1.5B on the demo course (run of f9aa0f3): "What does Python have that allows you to store
    # information by name rather than by number?" -> dictionary, options dictionaries | dictionary | tuples | sets.
    from tutor.generation.extractive import Term, distractors_for

    pool = [Term(t, "c", "word", word_class="noun") for t in ("dictionaries", "dictionary", "tuples", "sets", "lists")]
    assert "dictionaries" not in distractors_for("dictionary", "For that, Python has the dictionary.", "c", pool, None, kind="word")
    item = Exercise(type="mcq", question="What does Python have to find information by name rather than by number?",
                    options=["dictionaries", "dictionary", "tuples", "sets"], answer="dictionary",
                    explanation="For that, Python has the dictionary.", difficulty="easy", course="c", concept="x", source_id="x1",
                    source_text="Often you want to find information by name rather than by number. For that, Python has the dictionary.",
                    origin="model", prompt_id="exercise", prompt_version=5, model="fake")
    assert any("overlaps the answer" in p for p in verify(item)), verify(item)


def test_a_sentence_with_an_appendix_heading_is_document_talk():
    # Served on the Bash manual: "Appendix B Major Differences From The Bourne Shell Bash implements ... ____ ..."
    assert page_talk("Appendix B Major Differences From The Bourne Shell Bash implements essentially the same grammar.")
    assert page_talk("Appendix A Reporting Bugs Please report all bugs you find in Bash.")


def test_an_explanation_that_ends_in_code_is_a_whole_sentence():
    # The 1.5B restated "For example, to retrieve all the rows of table `weather`, type: `SELECT * FROM weather;`."
    # without the last full stop: its explanation was taken for a cut sentence and the draft refused as empty.
    from tutor.generation.exercises import _explanation

    passage = SourcePassage(id="q", course="c", concept="q", concept_title="Q", source="q.html", section="Q",
                            text="For example, to retrieve all the rows of table `weather`, type: `SELECT * FROM weather;`.")
    written = "For example, to retrieve all the rows of table `weather`, type: `SELECT * FROM weather;`"
    assert _explanation(written, passage, "SELECT * FROM weather;") == written + "."
    assert _explanation("For example, to retrieve all the rows of table `wea", passage, "weather") == ""  # cut: still refused


def test_a_question_quoting_an_empty_code_span_is_refused():
    # Served in the browser on the Debian Reference: the model lost the term it meant to quote ('`$1$`').
    text = "Login name Encrypted password (The initial \"`$1$`\" indicates use of the MD5 encryption)."
    item = _item("What does the initial '``' indicate in the login name Encrypted password?", "$1$", text, type="mcq")
    assert any("empty code span" in problem for problem in verify(item))
    assert not any("empty code span" in problem for problem in verify(_item("What does the initial `$1$` indicate?", "MD5", text)))
