"""Learner questions written for each chunk at ingest: a question in a learner's words finds the manual
entry that answers it, the model is asked once per chunk text, and a failing model costs one call."""

from __future__ import annotations

import pytest

from tutor.config import Settings, get_settings
from tutor.errors import LLMUnavailableError
from tutor.llm.fake import FakeChatModel
from tutor.retrieval.ingest import ingest, reindex
from tutor.retrieval.questions import QuestionWriter, parse_questions, question_writer
from tutor.retrieval.retriever import Retriever

# A reference manual names its answers by symbols: the entry that answers "how many arguments" is '#'.
SPECIAL = (
    "# Special Parameters\n\n"
    "# Expands to the number of positional parameters in decimal.\n\n"
    "? Expands to the exit status of the most recently executed foreground pipeline.\n\n"
    "$ Expands to the process ID of the shell. In a subshell, it expands to the process ID of the invoking shell.\n"
)
# Passages on the same topic that do not answer, and that MiniLM ranks above the answer.
POSITIONAL = (
    "# Positional Parameters\n\nA positional parameter is a parameter denoted by one or more digits, other than the "
    "single digit 0. Positional parameters are assigned from the shell's arguments when it is invoked, and may be "
    "reassigned using the set builtin command.\n"
)
SCRIPTS = (
    "# Shell Scripts\n\nA shell script is a text file containing shell commands. When Bash runs a shell script, it sets "
    "the special parameter 0 to the name of the file, and the positional parameters are set to the remaining arguments, "
    "if any are given.\n"
)
INVOKING = (
    "# Invoking Bash\n\nAll of the single-character options used with the set builtin can be used as options when the "
    "shell is invoked. Arguments after the options are passed to the script as its arguments.\n"
)
QUESTION = "how do I find out how many arguments my script was given"

# What a model asked for each passage's questions writes (it knows '#' counts the arguments).
WRITTEN = {
    "Expands to the number of positional parameters": "how many arguments were passed to my script?\nhow do I get the exit code of the last command?\nwhat is the process id of my shell?",
    "A positional parameter is": "what is a positional parameter?\nhow do I change the positional parameters?",
    "A shell script is a text file": "how do I write a shell script?\nwhat does bash do with the arguments of a script?",
    "single-character options": "how do I pass options to bash when I start it?",
}


def _manual_writer(messages) -> str:
    passage = messages[-1]["content"]
    return next(reply for marker, reply in WRITTEN.items() if marker in passage)


def _course(tmp_path):
    folder = tmp_path / "manual"
    folder.mkdir()
    for name, text in (("special.md", SPECIAL), ("positional.md", POSITIONAL), ("scripts.md", SCRIPTS), ("invoking.md", INVOKING)):
        (folder / name).write_text(text)
    return folder


def test_parse_questions_drops_numbering_fragments_and_repeats():
    reply = "1. How do I stop a loop?\n- how do I stop a loop\n\n2) what does break do?\nok\nQ3: skip one turn of a loop"
    assert parse_questions(reply) == ["How do I stop a loop?", "what does break do?", "skip one turn of a loop"]
    assert parse_questions(reply, limit=1) == ["How do I stop a loop?"]


def test_chunk_questions_are_off_unless_switched_on():
    assert Settings().chunk_questions is False
    assert question_writer(Settings()) is None
    writer = question_writer(Settings(chunk_questions=True, llm="fake"))
    assert isinstance(writer, QuestionWriter)


@pytest.mark.real_model
def test_a_learners_question_finds_the_manual_entry_the_model_wrote_questions_for(tmp_path, embedder):
    folder = _course(tmp_path)
    retriever = Retriever(get_settings(), embedder=embedder)
    model = FakeChatModel(default=_manual_writer)
    writer = QuestionWriter(model, tmp_path / "cache")

    ingest([folder], "plain", retriever.store, embedder, retriever.settings)
    plain = retriever.search(QUESTION, "plain", k=4)
    assert plain[0].source != "special.md"  # the encoder alone does not bridge "how many arguments" to '#'

    ingest([folder], "asked", retriever.store, embedder, retriever.settings, questions=writer)
    asked = retriever.search(QUESTION, "asked", k=4)
    assert asked[0].source == "special.md"
    assert "how many arguments were passed to my script?" in asked[0].questions
    assert len(model.calls) == 4  # one call per chunk


@pytest.mark.real_model
def test_questions_are_written_once_per_chunk_text_and_survive_a_reindex(tmp_path, embedder):
    folder = _course(tmp_path)
    retriever = Retriever(get_settings(), embedder=embedder)
    model = FakeChatModel(default=_manual_writer)
    cache = tmp_path / "cache"

    ingest([folder], "first", retriever.store, embedder, retriever.settings, questions=QuestionWriter(model, cache))
    assert len(model.calls) == 4
    # The same text in another course, and the same course again: the cache answers, the model is not asked.
    ingest([folder], "second", retriever.store, embedder, retriever.settings, questions=QuestionWriter(model, cache))
    again = ingest([folder], "first", retriever.store, embedder, retriever.settings, questions=QuestionWriter(model, cache))
    assert len(model.calls) == 4 and again.unchanged and not again.chunks_written

    reindex("second", retriever.store, embedder)
    assert len(model.calls) == 4
    assert retriever.search(QUESTION, "second", k=1)[0].source == "special.md"
    stored = {p.source: p for p in retriever.store.rows(retriever.store.raw_collection("second"))}
    assert stored["special.md"].questions[0] == "how many arguments were passed to my script?"


@pytest.mark.real_model
def test_a_failing_model_is_asked_once_and_the_next_ingest_adds_the_questions(tmp_path, embedder):
    folder = _course(tmp_path)
    retriever = Retriever(get_settings(), embedder=embedder)

    def dead(messages):
        raise LLMUnavailableError("the endpoint did not answer")

    broken = FakeChatModel(default=dead)
    report = ingest([folder], "manual", retriever.store, embedder, retriever.settings, questions=QuestionWriter(broken, tmp_path / "cache"))
    assert len(broken.calls) == 1  # not once per chunk: the ingest goes on without questions
    assert report.chunks_written == 4 and not report.skipped
    assert retriever.search(QUESTION, "manual", k=1)  # searchable by its text meanwhile

    working = FakeChatModel(default=_manual_writer)
    report = ingest([folder], "manual", retriever.store, embedder, retriever.settings, questions=QuestionWriter(working, tmp_path / "cache"))
    assert sorted(report.updated) == ["invoking.md", "positional.md", "scripts.md", "special.md"]
    assert len(working.calls) == 4
    assert retriever.search(QUESTION, "manual", k=1)[0].source == "special.md"
    # Switched off again, the stored questions are kept and nothing is re-written.
    report = ingest([folder], "manual", retriever.store, embedder, retriever.settings)
    assert not report.chunks_written
