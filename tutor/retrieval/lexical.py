"""BM25 over a course's chunks (bm25s, with the project's one tokenizer: tutor.retrieval.tokens).

The index is derived state: built from the text stored in Chroma and cached in memory and on disk
under the collection's revision token, so it is rebuilt exactly when the course changed (by this
process or another one sharing the store) and never drifts from the vectors.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path


def _tokenizer():
    from bm25s.tokenization import Tokenizer

    from tutor.retrieval.tokens import STOP_WORDS, stem, words

    return Tokenizer(splitter=words, stemmer=stem, stopwords=sorted(STOP_WORDS), lower=True)


class LexicalIndex:
    def __init__(self, ids: list[str], texts: list[str]):
        import bm25s

        self.ids = ids
        self.tokenizer = _tokenizer()
        self.bm25 = bm25s.BM25()
        if ids:
            tokens = self.tokenizer.tokenize(texts, return_as="ids", show_progress=False)
            self.bm25.index(tokens, show_progress=False)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """(id, BM25 score) of the best n chunks with a score above zero."""
        n = min(n, len(self.ids))
        if n <= 0:
            return []
        tokens = self.tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        docs, scores = self.bm25.retrieve(tokens, k=n, show_progress=False, n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # Indexed from token ids, bm25s keeps int vocabulary keys, which its JSON writer refuses;
        # queries are passed as ids too, so that map is never consulted: store it with str keys.
        self.bm25.vocab_dict = {str(k): v for k, v in (self.bm25.vocab_dict or {}).items()}
        self.bm25.save(str(tmp), show_progress=False)
        self.tokenizer.save_vocab(str(tmp))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)  # a reader never sees a half-written index

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        index = cls.__new__(cls)
        index.ids = json.loads((folder / "ids.json").read_text())
        index.tokenizer = _tokenizer()
        index.tokenizer.load_vocab(str(folder))
        index.bm25 = bm25s.BM25.load(str(folder))
        return index


class LexicalCache:
    """course -> (revision, index), in memory and under `folder/<course>/<revision>`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._memory: dict[str, tuple[str, LexicalIndex]] = {}
        self._lock = threading.Lock()

    def get(self, course: str, revision: str, rows) -> LexicalIndex:
        """The index for this revision; `rows()` yields (id, text) and is called only to rebuild."""
        with self._lock:
            cached = self._memory.get(course)
            if cached and cached[0] == revision:
                return cached[1]
            path = self.folder / course / revision
            try:
                index = LexicalIndex.load(path) if (path / "ids.json").exists() else None
            except (OSError, ValueError, KeyError):
                index = None  # a damaged cache is rebuilt, never trusted
            if index is None:
                pairs = list(rows())
                index = LexicalIndex([i for i, _ in pairs], [t for _, t in pairs])
                try:
                    index.save(path)
                    for old in (self.folder / course).iterdir():
                        if old.name != revision:
                            shutil.rmtree(old, ignore_errors=True)
                except OSError:
                    pass  # a read-only home still searches; it just rebuilds next process
            self._memory[course] = (revision, index)
            return index

