"""`tutor learner import-log FILE --course ID`: historical attempts stored as if they had happened in the tutor.

Each good row goes through the same path as an answer given in the app (`record_attempt`): the attempt
is stored, and the learner's mastery (BKT) and review card (FSRS) move with it, learner by learner in
time order. Learners not yet known are created. A concept may be named by its id or its title.
Idempotent: each row's key is a hash of the course, the row's fields and how many identical rows of the
same learner came before it, so importing the same file again stores nothing new (and a file that
grew stores only the new rows). Bad rows are reported with their line numbers; the rest goes in.
Shortcuts: a row without a timestamp is dated at import time; attempts imported after a learner's
own tutor history update mastery as if they came after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tutor.config import Settings, get_settings
from tutor.db import session_scope
from tutor.db.models import Learner, utcnow
from tutor.learners.attempts import record_attempt
from tutor.learners.concepts import ensure_course
from tutor.learners.logs import LogRow, read_log
from tutor.learners.profiles import LEARNER_ID, create_learner

ITEM_MAX = 40  # the attempts table's item_id width


@dataclass
class ImportReport:
    path: str
    course: str
    rows: int = 0  # good rows read
    stored: int = 0
    duplicates: int = 0  # already imported before: nothing changed
    learners_created: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self, limit: int = 20) -> str:
        lines = [f"{self.path}: {self.stored} attempts stored in course '{self.course}', "
                 f"{self.duplicates} already there (skipped), {len(self.errors)} bad rows; "
                 f"{len(self.learners_created)} new learners"]
        lines += [f"  line {n}: {why}" for n, why in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"  ... and {len(self.errors) - limit} more bad rows")
        return "\n".join(lines)


def _key(course: str, row: LogRow, concept: str, occurrence: int) -> str:
    stamp = row.timestamp.isoformat() if row.timestamp else ""
    raw = "\x1f".join((course, row.learner, concept, str(row.correct), stamp, row.item or "", str(occurrence)))
    return "import:" + hashlib.sha256(raw.encode()).hexdigest()[:48]


def import_log(path: Path | str, course: str, *, settings: Settings | None = None) -> ImportReport:
    settings = settings or get_settings()
    log = read_log(path)
    report = ImportReport(str(path), course, errors=list(log.errors))
    with session_scope(settings) as session:
        graph = ensure_course(session, course, settings)
    by_name = {c: c for c in graph.order} | {(graph.node(c).title or c).strip().lower(): c for c in graph.order}
    by_name |= {c.lower(): c for c in graph.order}
    good: dict[str, list[tuple[LogRow, str]]] = {}
    for learner, rows in log.sequences().items():
        for row in rows:
            concept = by_name.get(row.concept) or by_name.get(row.concept.strip().lower())
            if not LEARNER_ID.match(learner):
                report.errors.append((row.line, f"learner id {learner!r} is not valid (1-64 letters, digits, "
                                                "'.', '_', '@' or '-', starting with a letter or digit)"))
            elif concept is None:
                report.errors.append((row.line, f"concept {row.concept!r} is not in course '{course}' "
                                                f"(its concepts: {', '.join(graph.order)})"))
            elif row.item and len(row.item) > ITEM_MAX:
                report.errors.append((row.line, f"item id longer than {ITEM_MAX} characters"))
            else:
                good.setdefault(learner, []).append((row, concept))
    report.errors.sort()
    now = utcnow()
    for learner, rows in good.items():
        with session_scope(settings) as session:  # one transaction per learner: a crash loses no other learner
            if session.get(Learner, learner) is None:
                create_learner(session, learner)
                report.learners_created.append(learner)
            seen: dict[tuple, int] = {}
            for n, (row, concept) in enumerate(rows):
                ident = (concept, row.correct, row.timestamp, row.item)
                seen[ident] = seen.get(ident, 0) + 1
                result = record_attempt(session, learner_id=learner, course=course, concept=concept,
                                        score=float(row.correct), idempotency_key=_key(course, row, concept, seen[ident]),
                                        item_id=row.item, now=row.timestamp or now + timedelta(microseconds=n))
                report.rows += 1
                if result.duplicate:
                    report.duplicates += 1
                else:
                    report.stored += 1
    return report
