"""What the generators are told about a learner: level, language and the concepts already mastered.

One place builds it for the chat (app) and for `tutor explain --learner`, so both adapt the same way.
Mastered means the BKT estimate is over the mastery threshold for that course's concept.
"""

from __future__ import annotations

import sqlalchemy as sa

from tutor.db import session_scope
from tutor.db.models import MasteryState
from tutor.learners.mastery import is_mastered
from tutor.learners.profiles import get_learner

LANGUAGES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}
LEVELS = ("beginner", "intermediate", "advanced")


def teaching_profile(settings, learner_id: str, course: str, simpler: bool = False):
    """The generation layer's LearnerProfile; `simpler` asks for the beginner register whatever the profile says."""
    from tutor.generation.models import LearnerProfile

    with session_scope(settings) as session:
        learner = get_learner(session, learner_id)  # UnknownLearnerError names the learner
        states = session.scalars(
            sa.select(MasteryState).where(MasteryState.learner_id == learner_id, MasteryState.course == course)
        ).all()
        level = learner.level if learner.level in LEVELS else "beginner"
        language = LANGUAGES.get(learner.language, learner.language)
        mastered = [s.concept for s in states if is_mastered(s.p_mastery)]
    return LearnerProfile(level="beginner" if simpler else level, language=language, known_concepts=mastered)
