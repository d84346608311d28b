"""Suite-wide fixtures: no network, an isolated TUTOR_HOME per test, one embedding model per run."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from tutor.config import get_settings

ROOT = Path(__file__).resolve().parents[1]
DEMO_COURSE = ROOT / "knowledge" / "intro-python"


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection to a non-loopback address fails the test loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def tutor_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own TUTOR_HOME, so no test sees another's courses or learners."""
    home = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    for name in ("TUTOR_CHROMA_URL", "TUTOR_DATABASE_URL", "TUTOR_LLM", "TUTOR_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def demo_course() -> Path:
    """The demo course folder shipped in knowledge/ (read it; copy it before changing anything)."""
    return DEMO_COURSE


@pytest.fixture(scope="session")
def embedder():
    """The real packaged MiniLM model, loaded once per test run (about 10 s with its imports)."""
    from tutor.retrieval.embeddings import get_embedder

    return get_embedder()
