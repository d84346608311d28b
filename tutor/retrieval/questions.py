"""Learner questions written for each chunk at ingest (document expansion), cached on disk.

Why: a reference manual names its answers by symbols and builtins ("$# Expands to the number of
positional parameters") while a learner asks in everyday words ("how many arguments did my script
get"); a small embedding model does not bridge the two. The tutor's chat model does: asked which
questions a passage answers, it writes them in a learner's words. Each question is embedded as one
more vector of its chunk, beside the chunk's sentence vectors, so search scores the chunk by its best
question too, at no cost per query.

Writing costs seconds of the model per chunk, so questions are cached on disk keyed by the model, the
prompt version and the chunk's text: re-ingesting, reindexing or a second course holding the same
text costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

from tutor.errors import ModelError
from tutor.prompts import load_prompt

log = logging.getLogger(__name__)

PROMPT = "chunk-questions"
PROMPT_VERSION = 1
QUESTIONS_PER_CHUNK = 4
MAX_TOKENS = 96  # four short questions
MIN_WORDS = 3
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|Q\d*[:.])\s*")


def parse_questions(text: str, limit: int = QUESTIONS_PER_CHUNK) -> list[str]:
    """The questions of a model's reply: one a line, bullets and numbering dropped, duplicates and fragments left out."""
    seen: set[str] = set()
    out: list[str] = []
    for line in (text or "").splitlines():
        line = " ".join(_BULLET.sub("", line).split()).strip("\"'` ")
        key = line.lower().rstrip("?. ")
        if len(line.split()) < MIN_WORDS or key in seen:
            continue
        seen.add(key)
        out.append(line)
        if len(out) == limit:
            break
    return out


class QuestionWriter:
    """The questions a chat model writes for a chunk, through the on-disk cache.

    After the model fails once (a dead endpoint, a model that cannot load) it is not asked again by this
    writer: an ingest then goes on without questions instead of waiting out a timeout for every chunk,
    and the chunks it stored without questions are asked for again by the next ingest.
    """

    def __init__(self, model, cache_dir: Path, version: int = PROMPT_VERSION, count: int = QUESTIONS_PER_CHUNK):
        self.model = model
        self.version = version
        self.prompt = load_prompt(PROMPT, version)
        self.count = count
        self.cache_dir = Path(cache_dir) / PROMPT / f"v{version}"
        self.written = 0  # chunks the model wrote for (not from the cache), for progress and reports
        self.error: ModelError | None = None

    def key(self, section: str, text: str) -> str:
        digest = hashlib.sha256()
        for part in (getattr(self.model, "name", type(self.model).__name__), str(self.count), section, text):
            digest.update(part.encode("utf-8") + b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def cached(self, section: str, text: str) -> list[str] | None:
        path = self._path(self.key(section, text))
        try:
            return list(json.loads(path.read_text(encoding="utf-8"))["questions"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def __call__(self, section: str, text: str) -> list[str]:
        """The chunk's questions; [] when the model fails (the chunk is still searchable by its text)."""
        found = self.cached(section, text)
        if found is not None or self.error is not None:
            return found or []
        messages = self.prompt.render(section=section, passage=text, count=self.count)
        try:
            reply = self.model.complete(messages, max_tokens=MAX_TOKENS, temperature=0.0)
        except ModelError as exc:
            self.error = exc  # not cached: the next ingest asks again
            log.warning("chunk questions off for the rest of this ingest: the model failed (%s)", exc)
            return []
        questions = parse_questions(reply.text, self.count)
        path = self._path(self.key(section, text))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # The seconds and the load average they were written at, so a benchmark can say what writing cost.
        record = {"questions": questions, "model": getattr(self.model, "name", ""), "seconds": getattr(reply, "latency_s", None),
                  "load": os.getloadavg()[0]}
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.replace(path)  # atomic: a killed ingest never leaves half a cache entry
        self.written += 1
        return questions

    def annotate(self, chunk):
        """The chunk with its questions and the prompt version that wrote them (0 when the model failed)."""
        asked = self(chunk.section, chunk.text)
        written = self.error is None or self.cached(chunk.section, chunk.text) is not None
        return chunk.model_copy(update={"questions": asked, "questions_prompt": self.version if written else 0})


def question_writer(settings) -> QuestionWriter | None:
    """The configured chat model's writer when the settings switch chunk questions on, else None."""
    if not getattr(settings, "chunk_questions", False):
        return None
    from tutor.llm.registry import get_chat_model

    return QuestionWriter(get_chat_model(settings), settings.cache_dir)
