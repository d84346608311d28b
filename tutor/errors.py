"""The project's exceptions: one base class, six families, and specific classes that carry what a fix needs.

The CLI and the app turn a TutorError into one readable line; anything else is a bug. Callers that must
tell failures apart catch a family, never a tuple of specific classes:

- NotFoundError: a course, concept, learner, item, file or message that does not exist (or not any more);
- InvalidInputError: what a person or a file gave cannot be used as given (text, file, format, setting);
- AccessDeniedError: the user lacks the role, ownership, sign-in or opt-in an action needs;
- StorageError: the vector store, the database or TUTOR_HOME cannot be used (down, full, read-only, mismatched);
- ModelError: a model (the LLM, its prompts, a learner model) cannot give a usable answer;
- EvaluationError: an eval suite or run that cannot be used.

A specific class also names its family in its bases; raise the family itself when no specific class fits.
"""

from __future__ import annotations

from pathlib import Path


class TutorError(Exception):
    """Base class: the message is written for the person at the keyboard."""


# -- The families -----------------------------------------------------------------------------------


class NotFoundError(TutorError):
    """Something asked for by name or id does not exist (or not any more)."""


class InvalidInputError(TutorError):
    """What a person, a file or a setting gave cannot be used as given."""


class AccessDeniedError(TutorError):
    """The user lacks the role, ownership, sign-in or opt-in the action needs."""


class StorageError(TutorError):
    """The vector store, the database or TUTOR_HOME cannot be used."""


class ModelError(TutorError):
    """A model (the LLM, its prompts, a learner model) cannot give a usable answer."""


class EvaluationError(TutorError):
    """An eval suite or run that cannot be used."""


# -- Specific errors, each in its family --------------------------------------------------------------


class ConfigError(InvalidInputError):
    """A setting is invalid or points at something that is not there."""


class UnknownCourseError(NotFoundError):
    def __init__(self, course: str, known: list[str] | None = None):
        self.course = course
        hint = f" Known courses: {', '.join(known)}." if known else " No course is loaded yet."
        super().__init__(f"Unknown course '{course}'.{hint} Load one with: tutor ingest PATH --course ID")


class InvalidCourseIdError(InvalidInputError):
    def __init__(self, course: str):
        self.course = course
        super().__init__(
            f"Invalid course id '{course}': use 1-60 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )


class DocumentError(InvalidInputError):
    """A file that cannot be ingested; the batch goes on without it."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EmbeddingMismatchError(StorageError):
    """A collection was built with another embedding model than the one configured."""

    def __init__(self, course: str, stored: str, stored_dim: int, configured: str, configured_dim: int):
        self.course = course
        self.stored = stored
        self.configured = configured
        super().__init__(
            f"Course '{course}' was indexed with embedding model '{stored}' ({stored_dim} dimensions), "
            f"but the configured model is '{configured}' ({configured_dim} dimensions). "
            f"Run `tutor reindex --course {course}` to re-embed it with the configured model, "
            "or set TUTOR_EMBEDDING_MODEL back to the stored one."
        )


class StoreUnavailableError(StorageError):
    """The vector store (a Chroma server) cannot be reached or refused the request."""




class PromptError(InvalidInputError):
    """A prompt file is malformed, or was rendered with a missing or unknown variable."""


class LLMUnavailableError(ModelError):
    """The chat model cannot be used: the model file is missing, or the endpoint is down or refuses us."""


class LLMResponseError(ModelError):
    """The endpoint answered, but with something that is not a chat completion."""


class GenerationError(ModelError):
    """A structured generation stayed invalid after every allowed attempt.

    Carries the attempts made, the last raw output and the last validation error, so a caller can log
    them or fall back to a deterministic generator.
    """

    def __init__(self, what: str, attempts: int, last_output: str, last_error: str):
        self.what = what
        self.attempts = attempts
        self.last_output = last_output
        self.last_error = last_error
        super().__init__(
            f"{what}: no valid output after {attempts} attempt(s); last error: {last_error}. "
            "Try a stronger model (TUTOR_LLM=openai with TUTOR_LLM_BASE_URL) or raise TUTOR_LLM_MAX_RETRIES."
        )


class UnknownLearnerError(NotFoundError):
    def __init__(self, learner: str):
        self.learner = learner
        super().__init__(f"Unknown learner '{learner}'. Create one with: tutor learner create {learner} --name NAME")


class LearnerExistsError(InvalidInputError):
    def __init__(self, learner: str):
        self.learner = learner
        super().__init__(f"Learner '{learner}' already exists. See it with: tutor learner show {learner}")


class UnknownConceptError(NotFoundError):
    def __init__(self, course: str, concept: str, known: list[str] | None = None):
        self.course = course
        self.concept = concept
        hint = f" Concepts of '{course}': {', '.join(known)}." if known else ""
        super().__init__(f"Unknown concept '{concept}' in course '{course}'.{hint}")


class NotEnoughDataError(ModelError):
    """A model cannot be fitted or trained yet: too few attempts in the log."""




class AccountError(InvalidInputError):
    """An account cannot be created or used: bad name, unknown role, duplicate, wrong password."""


class UnknownUserError(NotFoundError):
    def __init__(self, user: str):
        self.user = user
        super().__init__(f"Unknown user '{user}'. Create one with: tutor user add {user} --role learner")


class PermissionDeniedError(AccessDeniedError):
    """The signed-in user lacks the role or ownership an action needs; checked in the handler itself."""

    def __init__(self, user: str, action: str, needs: str):
        self.user = user
        self.action = action
        super().__init__(f"'{user}' may not {action}: {needs}.")


class UnsafeBindError(AccessDeniedError):
    """`tutor serve` on a non-loopback address without any account would expose an open tutor."""

    def __init__(self, host: str):
        self.host = host
        super().__init__(
            f"Refusing to serve on {host} without accounts: anyone on the network could use it. "
            "Create one first with: tutor user add NAME --role instructor (or bind to 127.0.0.1)."
        )




class KtModelError(ModelError):
    """A saved knowledge-tracing model or its report cannot be used."""

    def __init__(self, path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"Knowledge-tracing model at {path}: {reason}. Re-train it with: tutor train-kt --course COURSE "
                         "(or delete the file to fall back to BKT).")


class FeedbackError(InvalidInputError):
    """A rating or event that cannot be stored as given (unknown target kind, rating not +1/-1, ...)."""




class EvalSuiteError(EvaluationError):
    """A suite file or dataset that cannot be used; names the file, the line and the field."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = path, line, field, reason
        where = f"{path}:{line}" if line else path
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {reason}")


class EvalRunError(EvaluationError):
    """An eval run that cannot be found, read or compared."""


class EvalResumeError(EvalRunError):
    """An eval run that cannot be resumed: finished already, missing, or its suite or dataset changed since."""




class LmsFormatError(InvalidInputError):
    """A question-bank file (Moodle XML or GIFT) that cannot be read or written as asked."""

    def __init__(self, fmt: str, reason: str):
        self.format, self.reason = fmt, reason
        super().__init__(f"Question bank file ({fmt}): {reason}. Export a fresh one with: tutor bank export --course ID "
                         "--format moodle|gift")


class NoApprovedItemsError(NotFoundError):
    """TUTOR_APPROVED_ITEMS_ONLY is on and the bank holds no approved item for what the learner asked."""

    def __init__(self, course: str, concept: str | None = None):
        self.course, self.concept = course, concept
        where = f"'{concept}' in {course}" if concept else f"course {course}"
        super().__init__(f"No approved exercise for {where} yet: practice serves only approved items here. "
                         "An instructor approves them in the Question bank tab.")




class InputError(InvalidInputError):
    """Text typed into the app or API that cannot be used as given (empty, too long)."""

    def __init__(self, what: str, reason: str):
        self.what, self.reason = what, reason
        super().__init__(f"{what}: {reason}")


class HomeNotWritableError(StorageError):
    """TUTOR_HOME (or a folder in it) cannot be created or written."""

    def __init__(self, path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"Cannot write to {self.path} ({reason}). Point TUTOR_HOME at a writable folder.")


class DiskFullError(StorageError):
    """A write into TUTOR_HOME (or the database) failed for lack of space; what was stored before is intact."""

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"The disk is full (no space left on device) writing to {self.path}. Nothing was half-written: "
                         "free some space there, or point TUTOR_HOME at a bigger disk, and try again.")


class CommunityOptInError(AccessDeniedError):
    """Study partners are shown only to learners who share their own mastery (opt in on the Community tab)."""

    def __init__(self, user: str):
        self.user = user
        super().__init__(f"'{user}' has not joined study partners: tick 'Show me to other learners' on the Community tab first "
                         "(partners see your display name and what you could help them with).")




class TooManyAttemptsError(AccessDeniedError):
    """Too many failed sign-ins for one user name within the rate-limit window."""

    def __init__(self, user: str, failures: int, minutes: float, what: str = ""):
        self.user, self.failures, self.minutes = user, failures, minutes
        subject = what or f"for '{user}'"
        super().__init__(f"Too many failed sign-ins {subject} ({failures} in {minutes:g} minutes): "
                         f"wait {minutes:g} minutes and try again.")


class NotSignedInError(AccessDeniedError):
    """No session: no cookie, an unknown token, or a session ended by sign-out, password change or deletion."""

    def __init__(self):
        super().__init__("Not signed in: reload the page and sign in.")


class SessionExpiredError(AccessDeniedError):
    """The user's latest sign-in is older than TUTOR_SESSION_HOURS."""

    def __init__(self, user: str, hours: float):
        self.user, self.hours = user, hours
        super().__init__(f"Your session has expired ({hours:g} hours after signing in): reload the page and sign in again.")
