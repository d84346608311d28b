"""Prompt templates as versioned files: `prompts/<task>/v<N>.md`, loaded into one strict type.

A file is YAML front matter (`id`, `version`, `variables`, optional `description`) followed by a Jinja2
template. Role markers on their own line (`<<system>>`, `<<user>>`, `<<assistant>>`) split a chat
prompt into messages; a template without markers renders to plain text (used for fixed wording the
tutor shows, such as the "not in the course" answer). Code passes data, never prose.

Strictness, checked twice: at load time the variables the template uses must equal the declared list;
at render time the caller must pass exactly those variables (a missing or an unknown one is a
PromptError). Jinja2's StrictUndefined also catches a misspelt attribute inside the template.

Course text and learner text are data: templates wrap them with the `data` filter, which strips any
of our delimiter tags from inside the text, and the template is split into messages *before*
rendering, so nothing in course material can close its block or start a new message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tutor.errors import PromptError
from tutor.llm.base import Message, PromptMessages

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_ROLE_LINE = re.compile(r"^<<(system|user|assistant)>>\s*$", re.MULTILINE)
_DELIMITERS = re.compile(r"</?\s*(passage|course_material|learner_answer|answer_key|question)\b[^>]*>", re.IGNORECASE)
_VERSION_FILE = re.compile(r"^v(\d+)\.md$")


def as_data(value: object) -> str:
    """Text that is safe to place between our delimiter tags: the tags themselves are removed."""
    return _DELIMITERS.sub("", str(value))


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False
    )
    env.filters["data"] = as_data
    return env


class Prompt(BaseModel):
    """One prompt file: identity, declared variables and the template source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int = Field(ge=1)
    variables: list[str] = Field(default_factory=list)
    description: str = ""
    template: str
    path: str = ""

    @classmethod
    def parse(cls, text: str, path: str = "<string>") -> "Prompt":
        if not text.startswith("---"):
            raise PromptError(f"{path}: a prompt file starts with YAML front matter between '---' lines.")
        try:
            _, front, body = text.split("---", 2)
            meta = yaml.safe_load(front) or {}
        except (ValueError, yaml.YAMLError) as exc:
            raise PromptError(f"{path}: cannot read the front matter: {exc}") from exc
        try:
            prompt = cls(**meta, template=body.strip("\n"), path=path)
        except Exception as exc:  # pydantic ValidationError or an unexpected key: say which file
            raise PromptError(f"{path}: invalid front matter: {exc}") from exc
        prompt._check_declared()
        return prompt

    def _check_declared(self) -> None:
        import jinja2.meta

        used: set[str] = set()
        for _, source in self._parts():
            used |= jinja2.meta.find_undeclared_variables(_environment().parse(source))
        declared = set(self.variables)
        if used != declared:
            raise PromptError(
                f"{self.path}: the template uses {sorted(used)} but declares {sorted(declared)}; make them equal."
            )

    def _parts(self) -> list[tuple[str | None, str]]:
        """(role, template source) pairs; a single (None, source) when the file has no role markers."""
        pieces = _ROLE_LINE.split(self.template)
        if len(pieces) == 1:
            return [(None, self.template)]
        if pieces[0].strip():
            raise PromptError(f"{self.path}: text before the first role marker.")
        return [(pieces[i], pieces[i + 1].strip("\n")) for i in range(1, len(pieces), 2)]

    def _check_arguments(self, values: dict) -> None:
        missing = set(self.variables) - set(values)
        unknown = set(values) - set(self.variables)
        if missing or unknown:
            raise PromptError(
                f"prompt {self.id} v{self.version}: missing variables {sorted(missing)}, unknown variables {sorted(unknown)}."
            )

    def render(self, **values) -> PromptMessages:
        """Chat messages, one per role block, each rendered separately, naming this prompt and version."""
        self._check_arguments(values)
        parts = self._parts()
        if parts[0][0] is None:
            raise PromptError(f"{self.path}: a chat prompt needs role markers such as <<system>> and <<user>>.")
        return PromptMessages([Message(role=role, content=self._render(source, values)) for role, source in parts],
                              prompt_id=self.id, prompt_version=self.version)

    def render_text(self, **values) -> str:
        """The whole template as one text (for templates without role markers)."""
        self._check_arguments(values)
        parts = self._parts()
        if parts[0][0] is not None:
            raise PromptError(f"{self.path}: this template has role markers; use render().")
        return self._render(parts[0][1], values)

    def _render(self, source: str, values: dict) -> str:
        import jinja2

        try:
            return _environment().from_string(source).render(**values).strip()
        except jinja2.TemplateError as exc:
            raise PromptError(f"prompt {self.id} v{self.version}: {exc}") from exc

    @property
    def ref(self) -> dict:
        return {"prompt_id": self.id, "prompt_version": self.version}


def available(task: str, root: Path | None = None) -> list[int]:
    folder = (root or PROMPTS_DIR) / task
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _VERSION_FILE.match(p.name)))


def load_prompt(task: str, version: int | None = None, root: Path | None = None) -> Prompt:
    """The prompt for a task: the given version, or the highest one on disk."""
    return _load(task, version, str(root or PROMPTS_DIR))


@lru_cache(maxsize=64)
def _load(task: str, version: int | None, root: str) -> Prompt:
    versions = available(task, Path(root))
    if not versions:
        raise PromptError(f"No prompt '{task}' in {root}: expected files like {root}/{task}/v1.md.")
    chosen = version if version is not None else versions[-1]
    if chosen not in versions:
        raise PromptError(f"Prompt '{task}' has versions {versions}, not {chosen}.")
    path = Path(root) / task / f"v{chosen}.md"
    prompt = Prompt.parse(path.read_text(encoding="utf-8"), str(path))
    if prompt.id != task or prompt.version != chosen:
        raise PromptError(f"{path}: front matter says {prompt.id} v{prompt.version}; the path says {task} v{chosen}.")
    return prompt
