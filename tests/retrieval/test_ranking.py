"""Ranking by the best sentence, the typed passages the store hands out, and the one shared tokenizer."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.config import get_settings
from tutor.retrieval.ingest import ingest
from tutor.retrieval.retriever import Candidates, Ranking, Retriever, rank
from tutor.retrieval.sentences import decode_vectors, encode_vectors, passage_sentences


def test_sentence_vectors_survive_their_int8_encoding():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(5, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    back = decode_vectors(encode_vectors(vectors), 384)
    assert back.shape == (5, 384)
    query = vectors[2]
    assert np.allclose(back @ query, vectors @ query, atol=0.01)
    assert decode_vectors("", 384) is None and decode_vectors(encode_vectors(vectors), 100) is None


def test_passage_sentences_split_prose_and_blocks_and_skip_fragments():
    text = "A for loop repeats a block. It stops at the end.\n\nOK\n\nThe range function yields numbers: 0, 1, 2."
    assert passage_sentences(text) == ["A for loop repeats a block.", "It stops at the end.", "The range function yields numbers:"]


def test_a_passage_whose_one_sentence_answers_outranks_a_vaguely_similar_one():
    # "broad" is about the topic as a whole; "buried" is mostly about something else, but one of
    # its sentences is the answer. Whole-text cosine prefers broad; the best sentence decides.
    found = Candidates(
        passages={},
        dense={"broad": 0.62, "buried": 0.48},
        sentence={"broad": 0.60, "buried": 0.91},
        lexical={"broad": 3.0},
        dense_order=["broad", "buried"],
    )
    found.passages = {i: None for i in ("broad", "buried")}
    assert [i for i, _ in rank(found, "hybrid")] == ["buried", "broad"]
    assert [i for i, _ in rank(found, "dense", Ranking(sentence_weight=0.0))] == ["broad", "buried"]
    # BM25 only re-enters the score when given a weight; it still brought its candidates.
    assert [i for i, _ in rank(found, "hybrid", Ranking(lexical_weight=1.0))][0] == "broad"
    assert [i for i, _ in rank(found, "lexical")] == ["broad"]


@pytest.mark.real_model
def test_search_returns_typed_passages_with_citation_fields_and_vectors(tmp_path, embedder):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "loops.md").write_text(
        "---\nconcept: loops\ntitle: Loops\n---\n# Loops\n\nA loop repeats a block of code. "
        "Python has two kinds of loop. The `break` statement leaves the loop at once, skipping the rest of it. "
        "The `else` block of a loop runs when the loop ends without a break.\n"
    )
    (folder / "strings.md").write_text("# Strings\n\nA string is a sequence of characters. Strings are immutable in Python.\n")
    retriever = Retriever(get_settings(), embedder=embedder)
    ingest([folder], "typed", retriever.store, embedder, retriever.settings)
    vector = retriever.embed_query("how do I stop a loop early")
    passages = retriever.search("how do I stop a loop early", "typed", k=2, vector=vector)
    top = passages[0]
    assert (top.source, top.section, top.concept, top.course) == ("loops.md", "Loops", "loops", "typed")
    assert len(top.embedding) == embedder.dimension
    assert top.sentence_embeddings.shape == (4, embedder.dimension)
    assert top.score >= passages[1].score
    stored = list(retriever.store.rows(retriever.store.raw_collection("typed")))
    assert {p.source for p in stored} == {"loops.md", "strings.md"}
    assert all(p.file_sha256 and p.file_chunks == 1 for p in stored)


def test_bm25_the_verifier_and_the_metrics_share_one_tokenizer():
    from tutor.evaluation.metrics import text as metrics_text
    from tutor.generation import text as generation_text
    from tutor.retrieval.lexical import _tokenizer
    from tutor.retrieval.tokens import STOP_WORDS, content_tokens

    sentence = "How do I stop the looping? The `break` statement stops loops in temp_lo queries."
    expected = content_tokens(sentence)
    assert expected == ["stop", "loop", "break", "statement", "stop", "loop", "temp_lo", "queri"]
    bm25 = _tokenizer()
    ids = bm25.tokenize([sentence], return_as="ids", show_progress=False)[0]
    by_id = {v: k for k, v in bm25.get_vocab_dict().items()}
    assert [by_id[i] for i in ids] == expected
    assert generation_text.content_tokens is content_tokens and metrics_text.content_tokens is content_tokens
    assert generation_text.STOP is STOP_WORDS
    # The verifier's support check now stems like BM25: "looping" is supported by "loops".
    assert generation_text.lexical_support("looping stops", "The loops stop.") == 1.0
