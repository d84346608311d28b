"""The extractive generator on third-party documentation written as git-doc's tutorials are: commands set in
italics (no inline code), code blocks cut out of sentences, sentences about the document itself. On the real
git-doc tutorial it asked for "through" ("You should work ____ gittutorial(7) before reading this tutorial"),
"unusual", "default" and ", which ____ a commit ..." (a sentence that lost its start with its code)."""

from __future__ import annotations

import re

from tutor.generation.extractive import emphasis_terms, extractive_items, term_pool
from tutor.generation.verifier import verify
from tutor.retrieval.documents import Passage

INDEX = ("The index file is a cache of the state of a directory tree. So what our *git add* did was store a new blob "
         "and then put a reference to it in the index file. You should work through part one before reading this "
         "tutorial. The primary tool we have been using to create commits is\n\n```\ngit commit\n-a\n```\n\n"
         ", which creates a commit including every change you have made to your working tree. By default "
         "*git commit* uses the index to create the commit, not the working tree.")
OBJECTS = ("We can ask Git about this particular object with the *git cat-file* command. The tree object is the "
           "tree we examined first, and this commit is unusual in that it lacks any parent. Every commit names a "
           "tree, and *git ls-tree* shows the files that tree holds. A blob holds the contents of one file.")
BRANCHES = ("A single repository can maintain multiple branches of development. To create a new branch, use "
            "*git branch* with its name, and *git switch* moves you onto it. A branch is cheap, so this is a "
            "good way to try something out; *git merge* brings its changes back.")
PASSAGES = [
    Passage(id="i", text=INDEX, course="git", concept="the-index-file", concept_title="The index file",
            source="gittutorial-2.html", section="The index file"),
    Passage(id="o", text=OBJECTS, course="git", concept="the-git-object-database",
            concept_title="The Git object database", source="gittutorial-2.html", section="The Git object database"),
    Passage(id="b", text=BRANCHES, course="git", concept="managing-branches", concept_title="Managing branches",
            source="gittutorial.html", section="Managing branches"),
]


def test_emphasised_commands_are_the_terms_when_there_is_no_inline_code():
    assert emphasis_terms("So what our *git add* did, **bold** and a*b*c, * not * one.") == ["git add"]
    pool = term_pool(PASSAGES)
    kinds = {t.text: t.kind for t in pool}
    assert kinds["git add"] == kinds["git cat-file"] == "emphasis"
    for incidental in ("through", "unusual", "default", "creates", "particular", "including"):
        assert incidental not in kinds, incidental  # a word used in passing is not a course term


def test_items_ask_for_the_courses_terms_and_never_about_the_document_or_a_fragment():
    pool = term_pool(PASSAGES)
    items = [item for passage in PASSAGES for kind in ("mcq", "fill_blank")
             for item in extractive_items(passage, kind, pool) if not verify(item)]
    assert items
    marked = {t.text for t in pool if t.kind == "emphasis"} | {"index", "tree", "commit", "branch", "object"}
    assert all(item.answer in marked for item in items), sorted({i.answer for i in items})
    for item in items:
        assert "this tutorial" not in item.question and not re.search(r'"\s*[,;]', item.question), item.question
    mcq = next(i for i in items if i.type == "mcq")
    assert all(option.startswith("git ") for option in mcq.options), mcq.options  # commands beside commands


def test_a_command_on_its_own_line_is_asked_with_its_lead_in_and_without_its_prompt():
    # git-doc sets each command on its own line after a lead-in; items read "____ This will prompt you for a
    # commit message." with the key "$ git commit", which a learner typing "git commit" got wrong.
    text = ("Modify some files, then add their updated contents to the index:\n\n`$ git add file1 file2`\n"
            "You are now ready to commit. Finally, commit your changes with:\n\n`$ git commit`\n"
            "This will again prompt you for a message describing the change.")
    passage = Passage(id="m", text=text, course="git", concept="making-changes", concept_title="Making changes",
                      source="gittutorial.html", section="Making changes")
    items = {i.answer: i.question for i in extractive_items(passage, "fill_blank", term_pool([passage]))}
    assert items == {"git add file1 file2": "Modify some files, then add their updated contents to the index: ____",
                     "git commit": "Finally, commit your changes with: ____"}, items


def test_a_blank_never_sits_beside_its_own_key_or_inside_a_file_name():
    # Seen on git-doc: "... in the repository with *git commit*: ____" (key git commit) and "Assume you have a
    # tarball ____.tar.gz with your initial work." (key project).
    text = ("You can permanently store the contents of the index in the repository with *git commit*:\n\n"
            "`$ git commit`\nAssume you have a tarball project.tar.gz with your initial work. The *git log* command "
            "lists the commits of the project, newest first.")
    passage = Passage(id="n", text=text, course="git", concept="importing", concept_title="Importing a new project",
                      source="gittutorial.html", section="Importing a new project")
    other = Passage(id="x", text="Every project keeps its history; the project is yours.", course="git", concept="importing",
                    source="gittutorial.html", section="Importing a new project")
    questions = [i.question for i in extractive_items(passage, "fill_blank", term_pool([passage, other]))]
    assert questions and all("git commit" not in q and "____.tar" not in q for q in questions), questions
