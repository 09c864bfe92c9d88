"""Content-addressed result cache for studies (sweeps now; SBC and backtests later).

A result is stored under the SHA-256 of a canonical JSON description of everything that determines
it (`content_hash`): for a sweep variant the scenario text, the data files' SHA-256, the sampler
settings, the base run's identity and the code version. Same inputs -> same key -> the stored
result is reused; change any input and the key changes, so a stale result is never returned.

`code_version(entry)` is the package version plus one SHA-256 over the source of every module of
this package that `entry` (the module of the task function, e.g. "model.studies.sweep") imports,
directly or indirectly, anywhere in its code (read from the files with `ast`, nothing imported),
so an edited, uncommitted model gets new keys while unrelated modules (figures, the CLI, another
study) can change without invalidating a cache. The git commit is not hashed: committing unchanged
code must not invalidate a cache either.

Layout: `CACHE_DIR/ab/abcdef....pkl`, one pickle per result holding {"key", "description",
"created", "value"}. Each file is written to a temporary name in the same folder and renamed
into place (os.replace is atomic), so a killed process never leaves a half-written entry, and
concurrent writers of the same key just replace one complete file with another. The cache is a
local, trusted directory (pickle); delete it at any time to start afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

#: Default cache directory (relative to the working directory; gitignored in this repository).
DEFAULT_CACHE_DIR = Path(".oomcast-cache")
MODEL_DIR = Path(__file__).resolve().parent.parent


def _default(obj: Any):
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"__ndarray_sha256__": hashlib.sha256(np.ascontiguousarray(obj).tobytes())
                .hexdigest(), "dtype": str(obj.dtype), "shape": list(obj.shape)}
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"cannot hash an object of type {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace: equal descriptions give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_default,
                      allow_nan=True)


def content_hash(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def file_sha256(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _module_file(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != MODEL_DIR.name:
        return None
    base = MODEL_DIR.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_closure(entry: str) -> list[Path]:
    """Source files of `entry` and of every package module it imports, transitively."""
    import ast

    seen: dict[str, Path] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if path is None or name in seen:
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                todo.append(node.module)
                todo.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(set(seen.values()))


@cache
def code_version(entry: str) -> dict:
    """{"package": oomcast version, "entry", "modules_sha256": hash of entry's import closure}."""
    from importlib import metadata

    try:
        version = metadata.version("oomcast")
    except metadata.PackageNotFoundError:
        version = "unknown"
    h = hashlib.sha256()
    for path in module_closure(entry):
        h.update(path.relative_to(MODEL_DIR.parent).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return {"package": version, "entry": entry, "modules_sha256": h.hexdigest()}


class ResultCache:
    """Pickled results by content hash, written atomically (see module docstring)."""

    def __init__(self, root: Path | str = DEFAULT_CACHE_DIR):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> tuple[bool, Any]:
        """(found, value); an unreadable entry counts as missing (it is recomputed)."""
        path = self.path(key)
        try:
            with open(path, "rb") as fh:
                record = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return False, None
        if not isinstance(record, dict) or record.get("key") != key:
            return False, None
        return True, record["value"]

    def put(self, key: str, value: Any, description: Any = None) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "description": description, "value": value,
                  "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("??/*.pkl")) if self.root.is_dir() else []
