"""Facts worth asking about, and the deterministic exercise generator built on them.

A `Fact` is a course sentence, a key term in it, the sentence with that term blanked, and the
distractors that fit it. The model-written exercises choose among these facts (a grammar-constrained
choice: the key is always a term of the passage) and the extractive generator turns them into items
directly when the model cannot. Shortcuts taken:
- key terms are the course's inline-code spans (`break`, `range()`), which in a programming course
  are the facts worth asking; a sentence without any falls back to its distinctive words (long words
  the course uses more than once), so prose-only material (a PDF manual) still yields facts;
- sentences that talk about the page or lost their code when it was extracted ("click", "see below",
  "the following", a version string, "Chapter 2", "Let's create") and passages that are front matter (title
  page, contents, index, licence) are never used;
- a sentence that leans on the one before it ("For that, Python has the dictionary.", "That means it is a
  system for managing data stored in relations.") is asked together with that sentence, so the item shows
  what "that" is, and is never asked at the start of a passage, where what it points at is not shown;
- a term is blanked only where it occurs once in its sentence, so there is exactly one blank;
- distractors are other terms of the course, same concept first, then the ones most similar to the
  key (embeddings when available; otherwise a stable hash order), never one that occurs in the
  sentence or overlaps the key, so exactly one option fits;
- the order of options is a stable hash of the item, so the same course gives the same quiz.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from tutor.generation.answering import quotable_units
from tutor.generation.models import BLANK, Exercise, ItemType
from tutor.generation.text import STOP, code_terms, content_tokens, normalise
from tutor.generation.wordclass import class_in_sentence, course_class, course_sentences
from tutor.retrieval.apparatus import front_matter  # noqa: F401  (re-exported: the verifier's and generators' check)
from tutor.retrieval.documents import Passage
from tutor.prompts import load_prompt

# A sentence that refers to something the extracted text no longer shows, or to the page itself.
PAGE_TALK = re.compile(
    r"\b(click|clicking|see below|see above|shown below|shown above|as follows|the following|below|above|"
    r"this page|next page|previous page|screenshot|figure \d|fig\. ?\d|table \d|here is|here are|"
    # narration of the lesson, not a fact of it ("Finally, we will look at some PostgreSQL extensions.")
    r"you will (learn|see)|we (will|shall|'ll) (now )?(look|see|discuss|cover|show|learn|describe)|let's (look|see)|let us (look|see))\b",
    re.IGNORECASE,
)
# A sentence about the document itself ("before reading this tutorial", "in part one of the tutorial", "Recall
# the weather table from Chapter 2", "See Section 3.6 [Redirections]"), or narrating its example ("Let's create
# two tables"): it teaches the document's layout or its example, not a fact of the subject.
DOCUMENT_TALK = re.compile(
    r"\b(this|the next|the previous) (tutorial|manual|chapter|document|book|guide|section|page)\b|"
    r"\b(part|chapter) (one|two|three|four|\d+) of\b|"
    r"\b(chapter|section|part|appendix) (\d+(\.\d+)*|[IVX]+)\b|\bsee (section|chapter|page|part)\b|"
    r"\bappendix [a-z]\b|^recall\b|\blet['’]s\b|\blet us\b",
    re.IGNORECASE,
)
# A sentence that opens by pointing at the one before it: alone, an item built from it asks about "this".
ANAPHOR = re.compile(
    r"^(this|these|that|those|it|its|they|their|them|such|then|(for|to do|in|because of|after|like|unlike|with|"
    r"without|besides|instead of) (this|that|these|those|it|them))\b",
    re.IGNORECASE,
)
# ... or that points at something said before it from inside ("An SQL `SELECT` statement is used to do this.",
# "In simplistic database systems this would be implemented ...", "You can enter this into `psql`").
POINTER = re.compile(r"\b(this|these|those)\b", re.IGNORECASE)
MAX_SENTENCE = 220  # characters of a course sentence an item quotes
MAX_WITH_ANTECEDENT = 340  # ... and of an anaphoric one quoted with the sentence it points back to
VERSION = re.compile(r"\b(v(ersion)? ?\d+(\.\d+)+|\d+\.\d+\.\d+)\b", re.IGNORECASE)
WORD_TERM = re.compile(r"\b[A-Za-z][A-Za-z-]{3,}\b")
EMPHASIS_TERM = re.compile(r"(?<![*\w])\*(?![*\s])([^*\n]{2,30}?)(?<!\s)\*(?![*\w])")
_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
PROMPT = re.compile(r"^\s*[\w.-]*[$#>]\s+")
CODE_SPAN = re.compile(r"`[^`]*`")
# A sentence that starts in lower case or with punctuation lost its beginning (code cut out before it).
WHOLE_SENTENCE = re.compile(r"^[A-Z0-9`*\"'(]")


def page_talk(sentence: str) -> str | None:
    """The words that show a sentence refers to the page or to code it lost, or None."""
    found = PAGE_TALK.search(sentence) or DOCUMENT_TALK.search(sentence) or VERSION.search(sentence)
    return found.group(0) if found else None


@dataclass(frozen=True)
class Term:
    text: str
    concept: str
    kind: str = "code"  # "code": an inline-code span; "word": a distinctive prose word
    # A word's class across the course (tutor/generation/wordclass: name, noun, verb, adjective, ...): wrong
    # options are of the key's class, so "queried" never stands beside the key "psql". Empty: not computed.
    word_class: str = ""


# Generation works from the retrieval layer's one passage type (a search result or a stored chunk).
SourcePassage = Passage


def emphasis_terms(text: str) -> list[str]:
    """Spans the text emphasises (*git add*, *immutable*): documentation marks its terms so when it has no
    inline code (git-doc's tutorials set commands in italics)."""
    return [t.strip() for t in EMPHASIS_TERM.findall(_FENCE.sub(" ", text)) if t.strip()]


def marked_vocabulary(passages: Iterable[SourcePassage]) -> set[str]:
    """The words a course marks as its own: in its headings, its code spans and its emphasised terms."""
    vocabulary: set[str] = set()
    for passage in passages:
        # A code span's words, not its paths, hosts or prompts ("alice$ git clone alice.org:/home/alice/project").
        code_words = [w for span in code_terms(passage.text) for w in without_prompt(span).split() if not re.search(r"[/:.@$]", w)]
        marked = " ".join([passage.section, *code_words, *emphasis_terms(passage.text)])
        vocabulary.update(w.lower() for w in WORD_TERM.findall(marked) if w.lower() not in STOP)
    return vocabulary


def term_pool(passages: Iterable[SourcePassage]) -> list[Term]:
    """The course's candidate terms: inline-code spans, emphasised terms, and the course's own words (used in
    2+ passages and marked as its terms somewhere: a heading, a code span, an emphasised term). A word the
    course only uses in passing ("through", "unusual", "default") is no key: asking for it tests nothing
    the lesson teaches."""
    passages = [p for p in passages if not front_matter(p.text, p.section)]
    vocabulary = marked_vocabulary(passages)
    seen: dict[str, Term] = {}
    counts: dict[str, int] = {}
    first: dict[str, Term] = {}
    for passage in passages:
        for term in map(without_prompt, code_terms(passage.text)):
            seen.setdefault(normalise(term), Term(term, passage.concept))
        for term in emphasis_terms(passage.text):
            seen.setdefault(normalise(term), Term(term, passage.concept, "emphasis"))
        for word in {w.lower() for w in WORD_TERM.findall(passage.text) if w.lower() in vocabulary}:
            counts[word] = counts.get(word, 0) + 1
            first.setdefault(word, Term(word, passage.concept, "word"))
    sentences = course_sentences(p.text for p in passages)
    for word, count in counts.items():
        if count >= 2 and word not in seen:
            seen[word] = replace(first[word], word_class=course_class(word, sentences))
    return list(seen.values())


def sentence_terms(sentence: str, pool_words: frozenset[str] | set[str], words: int = 3) -> list[tuple[str, str]]:
    """(term, kind) candidates of one sentence: its code spans, else its emphasised terms, else its `words`
    longest course words."""
    codes = code_terms(sentence)
    if codes:
        return [(t, "code") for t in codes]
    emphasised = emphasis_terms(sentence)
    if emphasised:
        return [(t, "emphasis") for t in emphasised]
    found = [w for w in WORD_TERM.findall(sentence) if w.lower() in pool_words and w.lower() not in STOP]
    # Longest first, ties in sentence order: a set's order changes with each process's string hashing, and the
    # same course must offer the same terms (and so give the same quiz) every run.
    return [(w, "word") for w in sorted(dict.fromkeys(found), key=lambda w: -len(w))[:words]]


def stable_hash(*parts: str) -> int:
    """A stable number for these strings (the same in every process): the options' order and tie-breaks."""
    return int(hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:8], 16)


def _blank(sentence: str, term: str, kind: str = "code") -> str | None:
    """The sentence with its one occurrence of `term` (in backticks for code) replaced by the blank."""
    if kind == "word":
        # Only in the prose: a word inside a code span ("git clone .../alice/project") is part of the code.
        prose = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), sentence)
        # ... and a whole word, not part of a file name ("project.tar.gz").
        hits = list(re.finditer(rf"(?<![\w.-]){re.escape(term)}(?![\w-]|\.\w)", prose, flags=re.IGNORECASE))
        if len(hits) != 1:
            return None
        return sentence[: hits[0].start()] + BLANK + sentence[hits[0].end() :]
    marked = f"*{term}*" if kind == "emphasis" else f"`{term}`"
    if sentence.count(marked) != 1 or sentence.count(term) != 1:
        return None
    return sentence.replace(marked, BLANK)


def distractors_for(answer: str, sentence: str, concept: str, pool: Sequence[Term], embedder, k: int = 3, kind: str = "code") -> list[str]:
    """Up to `k` wrong options for `answer`: course terms of its kind (and class, for prose), none in the sentence
    nor overlapping the key, the same concept's first, then the most similar; empty when fewer than 3 fit."""
    key = normalise(answer)
    low = normalise(sentence)
    # Prose keys take wrong options of their own class (a name with names, a noun with nouns): a verb beside
    # a noun key is ruled out by grammar alone, and the learner picks the only option that fits.
    key_class = key_word_class(answer, sentence, pool) if kind == "word" else ""
    candidates = []
    for term in pool:
        norm = normalise(term.text)
        if term.kind != kind or not norm or norm == key or norm in key or key in norm or norm in low:
            continue
        if _same_word(term.text, answer):  # "dictionaries" beside the key "dictionary" is right too
            continue
        if key_class and term.word_class != key_class:
            continue
        candidates.append(term)
    if len(candidates) < min(k, 3):
        return []
    if embedder is not None:
        vectors = embedder.embed([answer] + [t.text for t in candidates])
        similarity = (vectors[1:] @ vectors[0]).tolist()
    else:
        similarity = [0.0] * len(candidates)
    ranked = sorted(
        zip(candidates, similarity),
        key=lambda cs: (cs[0].concept != concept, -round(cs[1], 4), stable_hash(answer, cs[0].text)),
    )
    chosen: list[str] = []
    for term, _ in ranked:
        if all(normalise(term.text) not in normalise(c) and normalise(c) not in normalise(term.text) for c in chosen):
            chosen.append(term.text)
        if len(chosen) == k:
            break
    return chosen if len(chosen) >= min(k, 3) else []


def _same_word(a: str, b: str) -> bool:
    """Whether two terms are one word in other forms ("dictionaries", "dictionary"): their stems are the same."""
    stems = content_tokens(a)
    return bool(stems) and stems == content_tokens(b)


def term_kind(answer: str, sentence: str) -> str:
    """How a sentence marks a term: "code" (in backticks), "emphasis" (in asterisks), else a prose "word"."""
    if any(without_prompt(term) == answer for term in code_terms(sentence)):
        return "code"
    return "emphasis" if answer in emphasis_terms(sentence) else "word"


def key_word_class(answer: str, sentence: str, pool: Sequence[Term]) -> str:
    """The class of a prose key: the course's class of that term when the pool knows it (a capitalised word at
    the start of its sentence is no name for that), else its class where it stands in the sentence."""
    key = normalise(answer)
    known = next((t.word_class for t in pool if t.kind == "word" and t.word_class and normalise(t.text) == key), "")
    return known or class_in_sentence(answer, sentence)


@dataclass(frozen=True)
class Fact:
    """One askable fact: a course sentence, its key term, the sentence with the key blanked, distractors."""

    sentence: str
    answer: str
    blanked: str
    distractors: tuple[str, ...]  # empty when the course has too few terms of the key's kind


def facts(
    passage: SourcePassage,
    pool: Sequence[Term],
    *,
    embedder=None,
    used_answers: set[str] | frozenset = frozenset(),
    used_sentences: set[str] | frozenset = frozenset(),
    need_distractors: bool = False,
    limit: int | None = None,
    distractor_count: int = 3,
    words_per_sentence: int = 3,
) -> list[Fact]:
    """The passage's askable facts in course order (none from front matter or sentences about the page, none
    from a sentence in `used_sentences`: an item already asks about it, and a second would ask the same)."""
    if front_matter(passage.text, passage.section):
        return []
    words = frozenset(t.text for t in pool if t.kind == "word")
    usable = [(s, asked) for s, asked in asked_units(passage.text)
              if WHOLE_SENTENCE.match(s) and not page_talk(s) and _one_line(s) not in used_sentences]
    # A passage that marks its terms (code, emphasis) is asked about those; course words are for plain prose.
    has_code = any(code_terms(s) or emphasis_terms(s) for s, _ in usable)
    out: list[Fact] = []
    for sentence, asked in usable:
        for term, kind in sentence_terms(asked, words if not has_code else frozenset(), words_per_sentence):
            answer = without_prompt(term) if kind == "code" else term  # "$ git commit": the key is "git commit"
            if normalise(answer) in used_answers or len(answer) < 2:
                continue
            blanked = _blank(sentence, term, kind)
            if blanked is None or _says(blanked.replace(BLANK, " "), answer):
                continue  # no single blank, or the sentence names the key elsewhere ("with *git commit*: ____")
            distractors = tuple(distractors_for(answer, sentence, passage.concept, pool, embedder, k=distractor_count, kind=kind)) if need_distractors else ()
            if need_distractors and not distractors:
                continue
            out.append(Fact(sentence=re.sub(r"\s+", " ", sentence), answer=answer, blanked=blanked, distractors=distractors))
            if limit and len(out) >= limit:
                return out
    return out


def _says(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(normalise(term))}(?!\w)", normalise(text)) is not None


def without_prompt(code: str) -> str:
    """A command without the shell prompt a tutorial shows before it ("$ git add .", "alice$ git pull")."""
    return PROMPT.sub("", code, count=1).strip() or code


def fact_sentences(text: str) -> list[str]:
    """The passage's sentences as a quote shows them (a lead-in keeps its one-line command: "Finally, commit
    your changes with: `$ git commit`"; tutor/generation/answering.quotable_units), of at most 220 characters
    and at least 5 words besides code: an item quotes one, so it must read on its own. A sentence that opens by
    pointing back ("For that, ...", "This ...", "It ...") comes with the sentence before it."""
    return [unit for unit, _ in asked_units(text)]


def points_back(sentence: str) -> bool:
    """Whether a sentence leans on the one before it: it opens by pointing back, or says "this"/"these"/"those"."""
    return bool(ANAPHOR.match(sentence) or POINTER.search(sentence))


def asked_units(text: str) -> list[tuple[str, str]]:
    """(unit an item quotes, the sentence in it that is asked about): the two are the same sentence, except for
    an anaphoric sentence, quoted after its antecedent and asked about alone (its terms are the keys). The 1.5B
    asked "What is the name of the data structure that Python uses to store key-value pairs?" of "For that,
    Python has the dictionary.": a good question, about the sentence before, which the item did not show."""
    units = quotable_units(text)
    out: list[tuple[str, str]] = []
    for index, unit in enumerate(units):
        limit = MAX_SENTENCE
        quoted = unit
        if points_back(unit):
            if index == 0 or points_back(units[index - 1]):
                continue  # what it points at is not in the passage, or points further back again
            quoted, limit = f"{units[index - 1]} {unit}", MAX_WITH_ANTECEDENT
        if len(quoted) <= limit and len(CODE_SPAN.sub(" ", unit).split()) >= 5 and not unit.startswith("Output"):
            out.append((quoted, unit))
    return out


def _one_line(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip()


def asked_sentence(item: Exercise) -> str | None:
    """The course sentence an item asks about: of its passage's sentences that hold its answer, the one that
    shares the most words with its question and explanation (a fill-in-the-blank is that sentence itself)."""
    from tutor.generation.text import content_tokens

    answer = normalise(item.answer)
    if not answer:
        return None
    said = set(content_tokens(f"{item.question.replace(BLANK, ' ' + item.answer + ' ')} {item.explanation}"))
    best, best_shared = None, 0
    for sentence in fact_sentences(item.source_text):
        if not re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", normalise(sentence)):
            continue
        shared = len(said & set(content_tokens(sentence)))
        if shared > best_shared:
            best, best_shared = _one_line(sentence), shared
    return best


def extractive_items(
    passage: SourcePassage,
    item_type: ItemType,
    pool: Sequence[Term],
    *,
    embedder=None,
    used_answers: set[str] | frozenset = frozenset(),
    used_sentences: set[str] | frozenset = frozenset(),
    difficulty: str = "easy",
) -> Iterable[Exercise]:
    """Every item of `item_type` this passage yields, in order (the caller takes the first that verifies)."""
    question_prompt = load_prompt("extractive-question")
    explanation_prompt = load_prompt("extractive-explanation")
    for fact in facts(passage, pool, embedder=embedder, used_answers=used_answers, used_sentences=used_sentences,
                      need_distractors=item_type == "mcq"):
        options: list[str] = []
        if item_type == "mcq":
            options = list(fact.distractors)
            options.insert(stable_hash(passage.id, fact.answer) % 4, fact.answer)
        question = question_prompt.render_text(
            item_type=item_type, sentence=fact.blanked, concept_title=passage.concept_title or passage.concept
        )
        explanation = explanation_prompt.render_text(sentence=fact.sentence, source=passage.source, section=passage.section)
        yield Exercise.from_passage(
            passage,
            type=item_type,
            question=question,
            options=options,
            answer=fact.answer,
            explanation=explanation,
            difficulty=difficulty,
            origin="extractive",
            prompt_id=question_prompt.id,
            prompt_version=question_prompt.version,
            model="extractive",
        )
