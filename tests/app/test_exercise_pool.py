"""The exercise pool writes each concept's exercises in the background, so "Next exercise" picks a stored
item instead of waiting for the model; it tops a concept up as a learner uses it, shows its progress on
the Question bank tab, and gives way to learners on the shared model lock. Fake LLM, real retrieval."""

from __future__ import annotations

import threading

import pytest

from tutor.services import practice
from tutor.services.exercise_pool import ExercisePool, GatedChatModel, ModelGate
from tutor.db import session_scope
from tutor.db.items import list_items

WAIT_S = 600  # generous: two cores shared with the rest of the suite


@pytest.fixture
def pool(ctx):
    made = ExercisePool(ctx, per_concept=2)
    ctx.__dict__["pool"] = made
    made.start()
    yield made
    made.stop()


def _counts(ctx, course):
    with session_scope(ctx.settings) as session:
        items = list_items(session, course)
    counts = {}
    for i in items:
        counts[i.concept] = counts.get(i.concept, 0) + 1
    return counts


class _NoOnDemandGeneration:
    def generate(self, *args, **kwargs):
        raise AssertionError("an exercise was written while the learner waited")


def test_pool_fills_every_concept_and_next_exercise_only_picks(ctx, users, course, pool):
    pool.fill(course)
    assert pool.wait_idle(WAIT_S)
    counts = _counts(ctx, course)
    assert set(counts) == {"loops", "functions"} and all(n == 2 for n in counts.values()), counts
    status = pool.status(course)
    assert status["ready"] == 4 and status["full"] == 2 and status["written"] == 4
    assert "4 exercises ready" in pool.status_markdown(course) and "idle" in pool.status_markdown(course)
    ctx.__dict__["generator"] = _NoOnDemandGeneration()
    ctx.__dict__["pool"] = ExercisePool(ctx, per_concept=0)  # nothing tops up: what was ready is all there is
    shown = [practice.next_exercise(ctx, users["ada"], course).item_id for _ in range(4)]
    assert len(set(shown)) == 4


def test_serving_a_concept_tops_it_up(ctx, users, course, pool):
    pool.fill(course)
    assert pool.wait_idle(WAIT_S)
    before = _counts(ctx, course)["loops"]
    practice.next_exercise(ctx, users["ada"], course, concept="loops")  # 1 of 2 seen: below the low-water mark
    assert pool.wait_idle(WAIT_S)
    assert _counts(ctx, course)["loops"] > before


def test_the_bank_tab_shows_the_pool(ctx, users, course, pool):
    from tutor.app.ui import build

    demo = build(ctx, accounts=False)
    pool_status = next(f.fn for f in demo.fns.values() if f.name == "pool_status")
    assert "not started" in pool_status(course, None)
    pool.fill(course)
    assert pool.wait_idle(WAIT_S)
    assert "4 exercises ready; 2 of 2 concepts have their 2" in pool_status(course, None)


def test_upload_fills_the_pool(ctx, users, course, pool, demo_course, tmp_path):
    from tutor.app.ui import build

    demo = build(ctx, accounts=False)
    upload = next(f.fn for f in demo.fns.values() if f.name == "do_upload")
    path = tmp_path / "tmp-up.md"
    path.write_text((demo_course / "06-lists.md").read_text())

    class Upload(str):
        orig_name = "06-lists.md"

    upload("py", "", [Upload(path)], None, bar=lambda *a, **k: None)
    assert pool.wait_idle(WAIT_S)
    assert _counts(ctx, course).get("lists", 0) == 2


def test_a_learner_call_goes_before_the_pools_next_call():
    """The worker holds the model's lock for one call at a time; a learner who arrives during it is next."""
    from tutor.llm.serialised import SerialisedChatModel

    gate = ModelGate()
    order: list[str] = []
    pool_in_call, release_pool = threading.Event(), threading.Event()

    class Model:
        name = "scripted"

        def complete(self, messages, **kwargs):
            order.append(messages)
            if messages == "pool-1":
                pool_in_call.set()
                release_pool.wait(30)
            return messages

    model = SerialisedChatModel(Model(), threading.Lock())  # the registry's in-process wrapper
    learner_model, background = GatedChatModel(model, gate), GatedChatModel(model, gate, background=True)
    worker = threading.Thread(target=lambda: [background.complete(f"pool-{n}") for n in (1, 2, 3)])
    worker.start()
    assert pool_in_call.wait(30)
    learner = threading.Thread(target=lambda: learner_model.complete("learner"))
    learner.start()
    while gate._foreground == 0:  # the learner is waiting for the lock
        threading.Event().wait(0.01)
    release_pool.set()
    worker.join(30)
    learner.join(30)
    assert order == ["pool-1", "learner", "pool-2", "pool-3"]


def test_the_pools_items_read_on_their_own(ctx, users, pool, demo_course, tmp_path):
    """The chapters where learners met unreadable items: every item the pool writes must read on its own."""
    import shutil

    from readability import problems

    from tutor.services import authoring as courses

    files = []
    for name in ("01-getting-started.md", "02-variables.md"):
        shutil.copy(demo_course / name, tmp_path / name)
        files.append((str(tmp_path / name), name))
    assert not courses.upload(ctx, users["teacher"], "start", files, title="Start").errors
    pool.fill("start")
    assert pool.wait_idle(WAIT_S)
    with session_scope(ctx.settings) as session:
        items = list_items(session, "start")
    assert items
    bad = {i.id: (i.payload["question"], problems(i.payload)) for i in items if problems(i.payload)}
    assert not bad, bad


SETS = """# Sets

A set holds each value once, so putting in a value that is already there changes nothing.
You create an empty set with `set()`, because a pair of empty braces makes an empty dictionary.
The method `add` puts one value into a set, and the set grows by one when the value is new.
The method `discard` removes a value from a set without complaining when the value is missing.
The method `union` gives a new set that holds every value of both sets.
Membership tests with `in` are fast on a set, whatever its size.
"""


def test_a_short_text_gives_several_items_that_never_ask_the_same_thing(ctx, users, tmp_path):
    """One short passage: the pool writes an item per fact in it, of different kinds (it wrote one per
    passage, so this concept ran out after one), and stops when every fact is asked, never repeating one."""
    from tutor.generation.extractive import asked_sentence
    from tutor.services import authoring
    from tutor.services.practice import stored_exercise

    path = tmp_path / "upload.md"
    path.write_text(SETS)
    assert not authoring.upload(ctx, users["teacher"], "sets", [(str(path), "sets.md")], title="Sets").errors
    pool = ExercisePool(ctx, per_concept=12)
    ctx.__dict__["pool"] = pool
    pool.start()
    try:
        pool.fill("sets")
        assert pool.wait_idle(WAIT_S)
    finally:
        pool.stop()
    with session_scope(ctx.settings) as session:
        items = [stored_exercise(r) for r in list_items(session, "sets")]
    assert len({i.source_id for i in items}) == 1  # the concept is one passage
    assert len(items) >= 4, [i.question for i in items]
    assert len({i.type for i in items}) >= 2
    sentences = [asked_sentence(i) for i in items]
    assert all(sentences) and len(set(sentences)) == len(items), sentences  # never two items on one fact
    assert len({(i.source_id, i.answer.casefold()) for i in items}) == len(items)
    assert pool.status("sets")["exhausted"] == ["sets"]  # it stopped when the text had nothing new


def test_refreshing_the_pool_status_shows_the_items_it_wrote(ctx):
    """The bank's table was filled when the tab opened (often before the pool had written anything) and
    stayed empty while the pool's status said 38 exercises were ready."""
    from tutor.app.ui import build

    config = build(ctx, accounts=False).get_config_file()
    ids = {c["props"].get("elem_id"): c["id"] for c in config["components"] if c.get("props", {}).get("elem_id")}
    outputs = [d["outputs"] for d in config["dependencies"] if [ids["pool-refresh"], "click"] in [list(t) for t in d["targets"]]]
    assert any(ids["bank-table"] in o for o in outputs) and any(ids["pool-status"] in o for o in outputs), outputs
