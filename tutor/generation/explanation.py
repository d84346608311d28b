"""Explanations grounded in retrieved passages, with [n] citations that map to source, section, page.

Flow: retrieve k passages -> if none is relevant (embedding similarity to the question below
RELEVANCE), answer with the "no-context" text instead of inventing -> otherwise render the `explain`
prompt (passages as numbered, delimited data) -> the model answers -> the citation check: at least one
citation, every number refers to a passage, and most cited sentences are supported by the passage they
cite (lexical support). An answer that fails is asked again `max_retries` times (default none: each try costs seconds on 2 cores); then the extractive answer takes
over: the passage sentences closest to the question, quoted with their numbers. So what a learner sees
is always traceable to the course, even from the 135M model.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from tutor.generation.models import Citation, Explanation, LearnerProfile
from tutor.generation.text import answer_sentences, lexical_support, sentences
from tutor.errors import ModelError
from tutor.llm.base import ChatModel
from tutor.prompts import load_prompt

MODEL_FAILED = "The language model could not answer, so here are the course passages that do"
RELEVANCE = 0.30  # MiniLM cosine; off-topic questions score ~0.0-0.2 against the course, on-topic ones 0.4+
CLAIM_SUPPORT = 0.5  # share of a cited sentence's content words found in the cited passage
MIN_SUPPORTED_SHARE = 0.5
MAX_TOKENS = 160
EXTRACTIVE_PASSAGES = 3
EXTRACTIVE_SENTENCES = 3


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
        supported += any(lexical_support(claim, t) >= CLAIM_SUPPORT for t in texts)
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

    def _context(self, question: str, course: str) -> list:
        passages = self.retriever.search(question, course, k=self.k)
        if not passages:
            return []
        vectors = self.retriever.embedder.embed([question] + [p.text for p in passages])
        similarity = vectors[1:] @ vectors[0]
        return passages if float(similarity.max()) >= RELEVANCE else []

    def messages(self, question: str, passages: Sequence, learner: LearnerProfile):
        return self.prompt.render(
            question=question,
            passages=passages,
            level=learner.level,
            language=learner.language,
            known_concepts=learner.known_concepts,
        )

    def explain(self, question: str, course: str, learner: LearnerProfile | None = None) -> Explanation:
        learner = learner or LearnerProfile()
        passages = self._context(question, course)
        if not passages:
            return self._no_context(question, course)
        messages = self.messages(question, passages, learner)
        for _ in range(1 + self.max_retries):
            try:
                text = self.model.complete(messages, max_tokens=MAX_TOKENS, temperature=0.2).text.strip()
            except ModelError:
                break  # the extractive answer below needs no model
            if not citation_problems(text, passages):
                return self._result(question, text, passages, "model")
        return self._extractive(question, passages)

    def stream(self, question: str, course: str, learner: LearnerProfile | None = None) -> Iterator[str]:
        """Token pieces for a chat UI; the checked result is in `self.last` once the stream ends.

        A streamed answer that fails the citation check is replaced: `self.last` then holds the
        extractive answer and its text is yielded after a blank line, so the UI can show it.
        """
        learner = learner or LearnerProfile()
        passages = self._context(question, course)
        if not passages:
            self.last = self._no_context(question, course)
            yield self.last.text
            return
        pieces = []
        try:
            for piece in self.model.stream(self.messages(question, passages, learner), max_tokens=MAX_TOKENS, temperature=0.2):
                pieces.append(piece)
                yield piece
        except ModelError as exc:
            # The model server is down, slow past its timeout, or talking nonsense: say so in one line,
            # then answer from the course anyway (the extractive answer needs no model).
            fallback = self._extractive(question, passages)
            self.last = fallback.model_copy(update={"text": f"_{MODEL_FAILED} ({exc})_\n\n{fallback.text}"})
            yield "\n\n" + self.last.text
            return
        text = "".join(pieces).strip()
        if citation_problems(text, passages):
            self.last = self._extractive(question, passages)
            yield "\n\n" + self.last.text
        else:
            self.last = self._result(question, text, passages, "model")

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

    def _extractive(self, question: str, passages: Sequence) -> Explanation:
        """The course sentences closest to the question, quoted with their passage numbers.

        Candidates come from the best EXTRACTIVE_PASSAGES passages and compete with each other, so two
        weak sentences from the top passage never crowd out the answer in the second one; the chosen
        ones are shown in course order (passage, then position) so they read as a paragraph.
        """
        candidates: list[tuple[int, int, str]] = []
        for n, passage in enumerate(passages[:EXTRACTIVE_PASSAGES], start=1):
            for position, sentence in enumerate(sentences(passage.text, min_words=5, max_chars=300)):
                candidates.append((n, position, sentence))
        quotes = []
        if candidates:
            vectors = self.retriever.embedder.embed([question] + [c[2] for c in candidates])
            similarity = vectors[1:] @ vectors[0]
            best = sorted(range(len(candidates)), key=lambda i: -float(similarity[i]))[:EXTRACTIVE_SENTENCES]
            quotes = [{"n": candidates[i][0], "sentence": candidates[i][2]} for i in sorted(best, key=lambda i: candidates[i][:2])]
        prompt = load_prompt("explain-extractive")
        return self._result(question, prompt.render_text(quotes=quotes), passages, "extractive", prompt)

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


def _citation(n: int, passage) -> Citation:
    return Citation(n=n, passage_id=passage.id, source=passage.source, section=passage.section, page=passage.page, text=passage.text)
