"""The generators are told a learner's level, language and mastered concepts, and nothing else."""

from __future__ import annotations

import pytest

from tutor.config import get_settings
from tutor.db import session_scope
from tutor.db.models import MasteryState
from tutor.errors import UnknownLearnerError
from tutor.learners.profiles import create_learner
from tutor.services.tutoring import teaching_profile


def test_profile_carries_level_language_and_only_mastered_concepts_of_the_course():
    settings = get_settings()
    with session_scope(settings) as session:
        create_learner(session, "ada", level="advanced", language="fr")
        session.add_all(
            [
                MasteryState(learner_id="ada", course="py", concept="variables", p_mastery=0.97),
                MasteryState(learner_id="ada", course="py", concept="loops", p_mastery=0.40),
                MasteryState(learner_id="ada", course="other", concept="sets", p_mastery=0.99),
            ]
        )
    profile = teaching_profile(settings, "ada", "py")
    assert (profile.level, profile.language, profile.known_concepts) == ("advanced", "French", ["variables"])
    assert teaching_profile(settings, "ada", "py", simpler=True).level == "beginner"


def test_unknown_learner_is_named():
    with pytest.raises(UnknownLearnerError, match="nobody"):
        teaching_profile(get_settings(), "nobody", "py")
