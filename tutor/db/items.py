"""Exercise items in the database: the generation layer's one seam into storage.

An item's id is a hash of course, concept and question text, so saving the same exercise twice
updates one row instead of adding a duplicate. Saving again keeps the review status an instructor
gave (approved stays approved); `set_item_status` is the only way to change it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.db.models import Item, utcnow
from tutor.errors import InvalidInputError, NotFoundError

STATUSES = ("draft", "approved", "rejected")


@dataclass(frozen=True)
class ItemRecord:
    id: str
    course: str
    concept: str
    payload: dict[str, Any]
    status: str
    prompt_id: str
    prompt_version: str
    model: str
    created_at: datetime


def item_id(course: str, concept: str, question: str) -> str:
    # Whitespace is normalised so a re-generated question that differs only in spacing is the same item.
    key = "\x1f".join([course, concept, " ".join(question.split())])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidInputError(f"Unknown item status '{status}': use one of {', '.join(STATUSES)}.")


def _record(row: Item) -> ItemRecord:
    return ItemRecord(
        id=row.id,
        course=row.course,
        concept=row.concept,
        payload=dict(row.payload),
        status=row.status,
        prompt_id=row.prompt_id,
        prompt_version=row.prompt_version,
        model=row.model,
        created_at=row.created_at,
    )


def save_item(
    session: Session,
    *,
    course: str,
    concept: str,
    payload: dict,
    prompt_id: str,
    prompt_version: str,
    model: str,
    status: str = "draft",
) -> str:
    """Insert or update one exercise; returns its stable id."""
    _check_status(status)
    question = str(payload.get("question", "")).strip()
    if not question:
        raise InvalidInputError("An item needs a non-empty 'question' in its payload.")
    key = item_id(course, concept, question)
    row = session.get(Item, key)
    if row is None:
        session.add(
            Item(
                id=key,
                course=course,
                concept=concept,
                payload=dict(payload),
                status=status,
                prompt_id=prompt_id,
                prompt_version=prompt_version,
                model=model,
            )
        )
    else:
        row.payload = dict(payload)
        row.prompt_id, row.prompt_version, row.model = prompt_id, prompt_version, model
        row.updated_at = utcnow()
    session.flush()
    return key


def get_item(session: Session, item_id: str) -> ItemRecord | None:
    row = session.get(Item, item_id)
    return None if row is None else _record(row)


def list_items(session: Session, course: str, concept: str | None = None, status: str | None = None) -> list[ItemRecord]:
    query = sa.select(Item).where(Item.course == course)
    if concept is not None:
        query = query.where(Item.concept == concept)
    if status is not None:
        _check_status(status)
        query = query.where(Item.status == status)
    return [_record(row) for row in session.scalars(query.order_by(Item.concept, Item.created_at, Item.id))]


def set_item_status(session: Session, item_id: str, status: str) -> None:
    _check_status(status)
    row = session.get(Item, item_id)
    if row is None:
        raise NotFoundError(f"Unknown item '{item_id}'. List a course's items with list_items(session, course).")
    row.status = status
    row.updated_at = utcnow()
    session.flush()
