"""Read attempt logs of real learners: the tutor's CSV and the knowledge-tracing field's 3-line format.

CSV: a header naming `learner`, `concept` (or `skill`), `correct` (0/1), and optionally `timestamp`
(ISO 8601 or Unix seconds) and `item`. The 3-line format (the DKT/DKVMN benchmark files): per learner,
line 1 the number of answers, line 2 the comma-separated skill ids, line 3 the comma-separated 0/1
answers. A bad row (or a bad learner block) is named with its line number and skipped; the rest is read.
Within a learner the answers keep their time order: by timestamp when every row of the learner has
one (ties keep file order), else file order.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tutor.errors import TutorError

CONCEPT_COLUMNS = ("concept", "skill")
TRUE, FALSE = {"1", "1.0", "true", "yes"}, {"0", "0.0", "false", "no"}


class LogFormatError(TutorError):
    """The file is not an attempt log at all (no usable header, empty, not text)."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class LogRow:
    line: int
    learner: str
    concept: str
    correct: int
    timestamp: datetime | None = None
    item: str | None = None


@dataclass
class AttemptLog:
    path: str
    format: str  # "csv" | "3-line"
    rows: list[LogRow]
    errors: list[tuple[int, str]]  # (line number, what is wrong)

    @classmethod
    def from_pairs(cls, sequences: dict[str, list[tuple[str, int]]], name: str = "(memory)") -> AttemptLog:
        """A log of in-memory (concept, correct) sequences, e.g. the simulator's."""
        rows = [LogRow(0, learner, concept, int(correct)) for learner, seq in sequences.items() for concept, correct in seq]
        return cls(name, "memory", rows, [])

    def sequences(self) -> dict[str, list[LogRow]]:
        """Each learner's rows in time order (see the module docstring)."""
        out: dict[str, list[LogRow]] = {}
        for row in self.rows:
            out.setdefault(row.learner, []).append(row)
        for learner, rows in out.items():
            if all(r.timestamp is not None for r in rows):
                rows.sort(key=lambda r: r.timestamp)  # stable: ties keep file order
        return out

    def pairs(self, by: str = "concept") -> dict[str, list[tuple[str, int]]]:
        """(concept, correct) per learner, the input of the knowledge-tracing models; by="item" keys each
        answer by its item instead (its concept when it has none)."""
        key = (lambda r: r.item or r.concept) if by == "item" else (lambda r: r.concept)  # noqa: E731
        return {learner: [(key(r), r.correct) for r in rows] for learner, rows in self.sequences().items()}

    def triples(self) -> dict[str, list[tuple[str, str, int]]]:
        """(concept, item or concept, correct) per learner."""
        return {learner: [(r.concept, r.item or r.concept, r.correct) for r in rows]
                for learner, rows in self.sequences().items()}

    @property
    def has_items(self) -> bool:
        return bool(self.rows) and all(r.item for r in self.rows)

    def with_skills(self, skill_of: dict[str, str]) -> tuple[AttemptLog, int]:
        """The log with each answer's id read as its item and mapped to its skill (an id missing from the
        map stays its own skill); also how many answers had no skill in the map."""
        rows, missing = [], 0
        for r in self.rows:
            skill = skill_of.get(r.concept)
            missing += skill is None
            rows.append(LogRow(r.line, r.learner, skill or r.concept, r.correct, r.timestamp, r.item or r.concept))
        return AttemptLog(self.path, self.format, rows, list(self.errors)), missing

    def error_lines(self, limit: int = 20) -> list[str]:
        lines = [f"line {n}: {why}" for n, why in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more bad rows")
        return lines


def read_skill_map(path: Path | str) -> dict[str, str]:
    """Item (or question) id -> skill id, from a two-or-more-column file (tab- or comma-separated; a header
    line is skipped), e.g. the Statics split's STATICS_qid_sid_sname."""
    path = Path(path)
    try:
        lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        raise LogFormatError(path, f"cannot read the skill map ({exc.__class__.__name__})") from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines):
        fields = [f.strip() for f in (line.split("\t") if "\t" in line else next(csv.reader([line])))]
        if len(fields) < 2 or not fields[0] or not fields[1]:
            raise LogFormatError(path, f"line {n + 1}: expected 'item id, skill id' columns, got {line!r}")
        if n == 0 and not fields[0].isdigit() and fields[0].lower() in ("qid", "item", "question", "id", "item_id"):
            continue
        out[fields[0]] = fields[1]
    return out


def parse_correct(value: str) -> int:
    v = value.strip().lower()
    if v in TRUE:
        return 1
    if v in FALSE:
        return 0
    raise ValueError(f"correct must be 0 or 1, got {value!r}")


def parse_timestamp(value: str) -> datetime | None:
    v = value.strip()
    if not v:
        return None
    try:
        return datetime.fromtimestamp(float(v), tz=timezone.utc)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"timestamp {value!r} is neither ISO 8601 (2024-03-01T10:15:00) nor Unix seconds") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)  # a naive time is taken as UTC


def read_log(path: Path | str) -> AttemptLog:
    """Read either format; which one is decided by the first non-empty line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LogFormatError(path, "no such file") from None
    except UnicodeDecodeError:
        raise LogFormatError(path, "not a UTF-8 text file") from None
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise LogFormatError(path, "the file is empty")
    if first.isdigit():
        return _read_three_line(path, text)
    return _read_csv(path, text)


def _read_csv(path: Path, text: str) -> AttemptLog:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    names = [h.strip().lower() for h in header]
    concept_col = next((c for c in CONCEPT_COLUMNS if c in names), None)
    missing = [c for c, ok in (("learner", "learner" in names), ("concept (or skill)", concept_col),
                               ("correct", "correct" in names)) if not ok]
    if missing:
        raise LogFormatError(path, f"the header must name the columns learner, concept (or skill) and correct "
                                   f"(optional: timestamp, item); missing: {', '.join(missing)}; found: {', '.join(header)}")
    at = {name: i for i, name in enumerate(names)}
    rows, errors = [], []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(names):
            errors.append((line, f"{len(values)} fields, the header has {len(names)}"))
            continue
        get = lambda col: values[at[col]].strip() if col in at else ""  # noqa: E731
        learner, concept = get("learner"), get(concept_col)
        if not learner or not concept:
            errors.append((line, "empty learner" if not learner else f"empty {concept_col}"))
            continue
        try:
            rows.append(LogRow(line, learner, concept, parse_correct(get("correct")),
                               parse_timestamp(get("timestamp")), get("item") or None))
        except ValueError as exc:
            errors.append((line, str(exc)))
    return AttemptLog(str(path), "csv", rows, errors)


def _read_three_line(path: Path, text: str) -> AttemptLog:
    lines = text.splitlines()
    rows, errors = [], []
    n = 0
    learner_no = 0
    while n < len(lines):
        if not lines[n].strip():
            n += 1
            continue
        start = n + 1  # 1-based line number of the block's first line
        block = lines[n:n + 3]
        n += 3
        learner_no += 1
        learner = f"learner-{learner_no}"
        if len(block) < 3:
            errors.append((start, "an incomplete learner block (needs 3 lines: count, skill ids, answers)"))
            break
        count, skills, answers = block[0].strip(), block[1].strip().rstrip(","), block[2].strip().rstrip(",")
        if not count.isdigit():
            errors.append((start, f"the answer count {count!r} is not a number"))
            continue
        skill_ids = [s.strip() for s in skills.split(",")] if skills else []
        marks = [a.strip() for a in answers.split(",")] if answers else []
        if not (int(count) == len(skill_ids) == len(marks)):
            errors.append((start, f"count {count}, {len(skill_ids)} skill ids (line {start + 1}) and {len(marks)} "
                                  f"answers (line {start + 2}) disagree"))
            continue
        try:
            correct = [parse_correct(m) for m in marks]
        except ValueError as exc:
            errors.append((start + 2, str(exc)))
            continue
        if any(not s for s in skill_ids):
            errors.append((start + 1, "an empty skill id"))
            continue
        rows.extend(LogRow(start + 1, learner, s, c) for s, c in zip(skill_ids, correct))
    return AttemptLog(str(path), "3-line", rows, errors)
