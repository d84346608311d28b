"""Explanations grounded in retrieved passages, with [n] citations that map to source, section, page.

Flow: retrieve k passages -> if none is relevant (embedding similarity to the question below
RELEVANCE), answer with the "no-context" text instead of inventing -> pick the passage sentences that
matter for the question (a prompt budget: reading the prompt is most of the wait on CPU) -> the model
answers in plain sentences -> the tutor attributes every sentence to the passage that supports it
(tutor/generation/attribution.py, the rule the evals' grounding metric uses) and adds the [n] marker
itself; a sentence no passage supports is not shown. When the supported sentences say too little
(fewer than MIN_SUPPORTED_WORDS content words), the extractive answer takes over: the course sentences
that best answer the question, quoted with their numbers, and a plain statement when none answers it.

Streaming shows a sentence only after it passed the check (and only once enough supported content has
arrived to be sure the answer will not fall back), so the learner never reads text that is replaced.
Answers from a model that writes its own [n] markers (an endpoint) are checked the same way: the
markers are dropped and the tutor's attribution decides.
"""

from __future__ import annotations

import re
from typing import Callable, Generator, Iterator, Sequence

import numpy as np

from tutor.generation.answering import choose
from tutor.generation.attribution import Attribution, attribute, supports, with_citation
from tutor.generation.models import Citation, Explanation, LearnerProfile
from tutor.generation.text import answer_sentences, content_tokens, lexical_support, sentences
from tutor.errors import ModelError
from tutor.llm.base import ChatModel
from tutor.prompts import load_prompt

MODEL_FAILED = "The language model could not answer, so what follows is quoted from the course"  # which may say it does not answer
RELEVANCE = 0.30  # MiniLM cosine; off-topic questions score ~0.0-0.2 against the course, on-topic ones 0.4+
MIN_SUPPORTED_SHARE = 0.5
MIN_SUPPORTED_WORDS = 2  # content words beyond the question the supported sentences must add together, else the answer falls back ("use the `break` statement" adds 3)
MAX_TOKENS = 90  # two or three short sentences; a longer answer costs seconds per sentence on 2 cores
CONTEXT_SENTENCES = 6  # the prompt gets the best sentences, not whole chunks
CONTEXT_WORDS = 170
EXTRACTIVE_PASSAGES = 4  # every retrieved passage competes: the answer is not always in the top three


def cited_claims(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without its markers, cited numbers) for every sentence that cites something.

    The same sentence split as the evals' grounding metric, so the gate that decides whether a model's
    answer is served and the metric that scores it agree ("Claim. [1]" cites the claim before it)."""
    return [(sentence.rstrip(".!?").strip(), numbers) for sentence, numbers in answer_sentences(text) if numbers]


def citation_support(text: str, passages: Sequence) -> float:
    """Share of cited sentences whose claim is found in (one of) the passages they cite; 0.0 with no citation."""
    claims = cited_claims(text)
    if not claims:
        return 0.0
    supported = 0
    for claim, numbers in claims:
        texts = [passages[n - 1].text for n in numbers if 1 <= n <= len(passages)]
        supported += any(supports(claim, t) for t in texts)
    return supported / len(claims)


def citation_problems(text: str, passages: Sequence) -> list[str]:
    claims = cited_claims(text)
    if not claims:
        return ["no citation"]
    bad = sorted({n for _, ns in claims for n in ns if not 1 <= n <= len(passages)})
    if bad:
        return [f"citations {bad} refer to no passage"]
    if citation_support(text, passages) < MIN_SUPPORTED_SHARE:
        return ["cited sentences are not supported by their passages"]
    return []


class Explainer:
    def __init__(self, model: ChatModel, retriever, *, k: int = 4, max_retries: int = 0):
        self.model = model
        self.retriever = retriever
        self.k = k
        self.max_retries = max_retries
        self.prompt = load_prompt("explain")

    def _context(self, question: str, course: str) -> tuple[list, np.ndarray]:
        """The passages worth answering from, and the question's vector: embedded once for the whole turn
        (search, relevance and sentence scoring), with the passages' vectors as the store returned them."""
        q = np.asarray(self.retriever.embed_query(question))
        passages = self.retriever.search(question, course, k=self.k, vector=q)
        if not passages:
            return [], q
        missing = [p.text for p in passages if p.embedding is None]
        fresh = iter(self.retriever.embedder.embed(missing)) if missing else iter(())
        vectors = np.asarray([p.embedding if p.embedding is not None else next(fresh) for p in passages], dtype=np.float32)
        similarity = vectors @ q
        return (passages if float(similarity.max()) >= RELEVANCE else []), q

    def _units(self, question: str, passages: Sequence, q: np.ndarray | None = None) -> "_Units":
        """Every passage sentence with its embedding and how well it answers the question."""
        units = [(p, s) for p, passage in enumerate(passages) for s in sentences(passage.text, min_words=4, max_chars=400)]
        if q is None:
            q = np.asarray(self.retriever.embed_query(question))
        unit_vectors = self.retriever.embedder.embed([s for _, s in units]) if units else np.zeros((0, len(q)), dtype=np.float32)
        overlap = [lexical_support(question, s) for _, s in units]
        scores = [float(unit_vectors[i] @ q) + 0.5 * overlap[i] for i in range(len(units))]
        return _Units(units, unit_vectors, scores)

    def excerpts(self, question: str, passages: Sequence, units: "_Units | None" = None) -> list[dict]:
        """The sentences that matter (best CONTEXT_SENTENCES within CONTEXT_WORDS), grouped by passage in course order."""
        units = units or self._units(question, passages)
        chosen, words = [], 0
        for i in sorted(range(len(units.units)), key=lambda i: -units.scores[i]):
            length = len(units.units[i][1].split())
            if chosen and (len(chosen) >= CONTEXT_SENTENCES or words + length > CONTEXT_WORDS):
                continue
            chosen.append(i)
            words += length
        by_passage: dict[int, list[str]] = {}
        for i in sorted(chosen):
            by_passage.setdefault(units.units[i][0], []).append(units.units[i][1])
        if not by_passage:  # passages without prose sentences (code only): give the first one whole
            return [{"n": 1, "text": passages[0].text[:800]}]
        return [{"n": p + 1, "text": " ".join(texts)} for p, texts in sorted(by_passage.items())]

    def messages(self, question: str, passages: Sequence, learner: LearnerProfile, units: "_Units | None" = None):
        values = {
            "question": question,
            "passages": passages,
            "excerpts": self.excerpts(question, passages, units) if "excerpts" in self.prompt.variables else None,
            "level": learner.level,
            "language": learner.language,
            "known_concepts": learner.known_concepts,
        }
        return self.prompt.render(**{name: values[name] for name in self.prompt.variables})

    def explain(self, question: str, course: str, learner: LearnerProfile | None = None) -> Explanation:
        learner = learner or LearnerProfile()
        passages, q = self._context(question, course)
        if not passages:
            return self._no_context(question, course)
        units = self._units(question, passages, q)
        messages = self.messages(question, passages, learner, units)
        for _ in range(1 + self.max_retries):
            try:
                text = self.model.complete(messages, max_tokens=MAX_TOKENS, temperature=0.2).text.strip()
            except ModelError:
                break  # the extractive answer below needs no model
            attributions = self.attribute(without_cut_off(text), question, passages, units)
            if enough_support(attributions):
                return self._from_model(question, attributions, passages)
        return self._extractive(question, passages, units, q)

    def attribute(self, text: str, question: str, passages: Sequence, units: "_Units",
                  before: Attribution | None = None) -> list[Attribution]:
        claims = model_sentences(text)
        return attribute(claims, [p.text for p in passages], self.retriever.embedder, units.units, units.vectors, question, before)

    def stream(self, question: str, course: str, learner: LearnerProfile | None = None) -> "ExplanationStream":
        """Checked sentences for a chat UI, each yielded once it passed attribution; after the last one the
        whole checked Explanation is the stream's `result`.

        Supported sentences are held back until they say MIN_SUPPORTED_WORDS content words together (the
        point after which the answer can no longer fall back), then shown one by one as they pass. When the
        model's answer ends with too little support nothing of it was shown, and the extractive answer is.
        """
        return ExplanationStream(self._stream(question, course, learner or LearnerProfile()))

    def _stream(self, question: str, course: str, learner: LearnerProfile) -> Generator[str, None, Explanation]:
        passages, q = self._context(question, course)
        if not passages:
            result = self._no_context(question, course)
            yield result.text
            return result
        units = self._units(question, passages, q)
        gate = _SentenceGate(lambda text, before: self.attribute(text, question, passages, units, before))
        buffer = ""
        try:
            for piece in self.model.stream(self.messages(question, passages, learner, units), max_tokens=MAX_TOKENS, temperature=0.2):
                buffer += piece
                complete, buffer = split_complete(buffer)
                if complete:
                    yield from gate.feed(" ".join(complete))
        except ModelError as exc:
            # The model server is down, slow past its timeout, or talking nonsense: say so in one line,
            # then answer from the course anyway (the extractive answer needs no model).
            fallback = self._extractive(question, passages, units, q)
            result = fallback.model_copy(update={"text": f"_{MODEL_FAILED} ({exc})_\n\n{fallback.text}"})
            yield ("\n\n" if gate.shown else "") + result.text
            return result
        if finished(buffer):
            yield from gate.feed(buffer)
        if gate.passed:
            return self._from_model(question, gate.attributions, passages)
        result = self._extractive(question, passages, units, q)
        yield result.text
        return result

    def _from_model(self, question: str, attributions: Sequence[Attribution], passages: Sequence) -> Explanation:
        text = " ".join(with_citation(a.sentence, a.n) for a in attributions if a.supported)
        result = self._result(question, text, passages, "model")
        return result.model_copy(update={"supported_share": round(sum(a.supported for a in attributions) / len(attributions), 3)})

    def _result(self, question: str, text: str, passages: Sequence, origin: str, prompt=None) -> Explanation:
        prompt = prompt or self.prompt
        cited = sorted({n for _, ns in cited_claims(text) for n in ns if 1 <= n <= len(passages)})
        return Explanation(
            question=question,
            text=text,
            citations=[_citation(n, passages[n - 1]) for n in cited],
            grounded=True,
            origin=origin,
            prompt_id=prompt.id,
            prompt_version=prompt.version,
            model=self.model.name if origin == "model" else "extractive",
        )

    def _extractive(self, question: str, passages: Sequence, units: "_Units | None" = None,
                    question_vector: np.ndarray | None = None) -> Explanation:
        """The course sentences that answer the question, quoted with their passage numbers, or a plain
        statement that the passages found do not answer it with the closest they come
        (tutor/generation/answering.py: specific question words and meaning decide, not shared common words)."""
        units = units or self._units(question, passages)
        q = question_vector if question_vector is not None else np.asarray(self.retriever.embed_query(question))
        known = {sentence: units.vectors[i] for i, (_, sentence) in enumerate(units.units)}
        choice = choose(question, q, passages, self.retriever.embedder.embed, known, max_passages=EXTRACTIVE_PASSAGES)
        quotes = [{"n": p + 1, "sentence": sentence} for p, sentence in choice.quotes]
        prompt = load_prompt("explain-extractive")
        values = {"quotes": quotes, "direct": choice.direct}
        return self._result(question, prompt.render_text(**{k: values[k] for k in prompt.variables}), passages, "extractive", prompt)

    def _no_context(self, question: str, course: str) -> Explanation:
        prompt = load_prompt("no-context")
        return Explanation(
            question=question,
            text=prompt.render_text(course=course),
            citations=[],
            grounded=False,
            origin="no_context",
            prompt_id=prompt.id,
            prompt_version=prompt.version,
            model="none",
        )


class ExplanationStream:
    """One turn's answer as it streams: iterate for the checked pieces; `result` is the whole checked
    Explanation once the iteration has ended (None before)."""

    def __init__(self, pieces: Generator[str, None, Explanation]):
        self._pieces = pieces
        self.result: Explanation | None = None

    def __iter__(self) -> Iterator[str]:
        self.result = yield from self._pieces


class _SentenceGate:
    """Checks a streamed answer sentence by sentence and releases the supported ones in order, but only once
    they carry enough support together (before that point the answer may still fall back, and a learner must
    never read text that is replaced afterwards)."""

    def __init__(self, attribute: Callable[[str, Attribution | None], list[Attribution]]):
        self._attribute = attribute
        self.attributions: list[Attribution] = []
        self._held: list[Attribution] = []
        self.shown = 0

    @property
    def passed(self) -> bool:
        return enough_support(self.attributions)

    def feed(self, text: str) -> list[str]:
        """The pieces to show now for this newly completed text (none while support is still short)."""
        new = self._attribute(text, self.attributions[-1] if self.attributions else None)
        self.attributions += new
        self._held += [a for a in new if a.supported]
        if not self.passed:
            return []
        pieces = [("" if self.shown + i == 0 else " ") + with_citation(a.sentence, a.n) for i, a in enumerate(self._held)]
        self.shown += len(pieces)
        self._held = []
        return pieces


class _Units:
    """Passage sentences as (passage index, sentence), their embeddings, and how well each answers the question."""

    def __init__(self, units: list[tuple[int, str]], vectors: np.ndarray, scores: list[float]):
        self.units, self.vectors, self.scores = units, vectors, scores


_HEADING = re.compile(r"^\s*#+\s.*$", re.MULTILINE)
_COMPLETE = re.compile(r"(?<=[.!?])(?<!#!)\s+|\n\s*\n")  # as answer_sentences: "#!" ends no sentence


def model_sentences(text: str) -> list[str]:
    """The claims of a model's answer: its own [n] markers, headings and code fences dropped."""
    text = _HEADING.sub(" ", re.sub(r"```.*?(```|$)", " ", text, flags=re.DOTALL))
    return [sentence for sentence, _ in answer_sentences(text) if len(content_tokens(sentence)) >= 1 and len(sentence.split()) >= 3]


def split_complete(buffer: str) -> tuple[list[str], str]:
    """(complete sentences, the unfinished rest) of streamed text; a fenced code block waits until it closes."""
    if buffer.count("```") % 2:
        return [], buffer
    pieces = _COMPLETE.split(buffer)
    if len(pieces) == 1:
        return [], buffer
    return [p for p in pieces[:-1] if p.strip()], pieces[-1]


_FINISHED = re.compile(r"[.!?][\"'`)\]*_]*\s*$")


def finished(fragment: str) -> bool:
    """Whether the last piece of an answer is a whole sentence. A model stopped by the token limit leaves
    half of one ("The or list is used to combine"), which no check can vouch for, so it is not shown."""
    return bool(_FINISHED.search(fragment))


def without_cut_off(text: str) -> str:
    """The answer without an unfinished last sentence (see `finished`)."""
    _, rest = split_complete(text)
    return text if finished(rest) else text[: len(text) - len(rest)].rstrip()


def enough_support(attributions: Sequence[Attribution]) -> bool:
    return sum(a.weight for a in attributions if a.supported) >= MIN_SUPPORTED_WORDS


def _citation(n: int, passage) -> Citation:
    return Citation(n=n, passage_id=passage.id, source=passage.source, section=passage.section, page=passage.page, text=passage.text)
