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

Layout: `CACHE_DIR/ab/abcdef....npz`, one NumPy archive per result, read with
`allow_pickle=False` so that no entry can execute code: member `__record__` holds the JSON text of
{"format", "key", "description", "created", "value"}, and every array of the value is a member
`a0`, `a1`, ... referenced from the JSON tree (`encode_value`; also tuples, dicts with non-string
keys, xarray Datasets/DataArrays, NaN and inf). The key stored inside is checked before the value
is used: a corrupt, foreign or crafted file is a cache miss with a warning naming the file (and is
recomputed and replaced). Each file is written to a temporary name in the same folder and renamed
into place (os.replace is atomic), so a killed process never leaves a half-written entry, and
concurrent writers of the same key just replace one complete file with another. Older `.pkl`
entries are never opened. Delete the folder at any time to start afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import warnings
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


#: Version of the entry layout; an entry of another format is a miss.
CACHE_FORMAT = "oomcast-cache-npz-1"


class CacheEntryError(ValueError):
    """A cache file that is not a well-formed entry (corrupt, foreign or crafted)."""


def encode_value(value: Any, arrays: list) -> Any:
    """A JSON-able tree for `value`; its arrays are appended to `arrays` and referenced as
    {"__ndarray__": i}. Object arrays and unknown types raise TypeError (not cacheable)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject and all(isinstance(v, str) for v in value.ravel()):
            value = value.astype(str)  # labels (xarray string coords): fixed-width unicode
        if value.dtype.hasobject:
            raise TypeError("cannot cache an object array")
        arrays.append(np.ascontiguousarray(value))
        return {"__ndarray__": len(arrays) - 1}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode_value(v, arrays) for k, v in value.items()}
        return {"__items__": [[encode_value(k, arrays), encode_value(v, arrays)]
                              for k, v in value.items()]}
    if isinstance(value, list):
        return [encode_value(v, arrays) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, arrays) for v in value]}
    import xarray as xr

    if isinstance(value, xr.DataArray):
        return {"__dataarray__": encode_value(value.to_dataset(name="__x__"), arrays)}
    if isinstance(value, xr.Dataset):
        def var(v):
            return {"dims": list(v.dims), "data": encode_value(v.to_numpy(), arrays),
                    "attrs": encode_value(dict(v.attrs), arrays)}
        return {"__dataset__": {"data_vars": {k: var(v) for k, v in value.data_vars.items()},
                                "coords": {k: var(v) for k, v in value.coords.items()},
                                "attrs": encode_value(dict(value.attrs), arrays)}}
    raise TypeError(f"cannot cache an object of type {type(value).__name__}")


def decode_value(tree: Any, arrays: dict) -> Any:
    """Inverse of `encode_value`; a malformed tree raises CacheEntryError."""
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    if isinstance(tree, list):
        return [decode_value(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        raise CacheEntryError(f"unexpected JSON value {type(tree).__name__}")
    if "__ndarray__" in tree:
        name = f"a{tree['__ndarray__']}"
        if name not in arrays:
            raise CacheEntryError(f"missing array {name}")
        return arrays[name]
    if "__tuple__" in tree:
        return tuple(decode_value(v, arrays) for v in tree["__tuple__"])
    if "__items__" in tree:
        return {_hashable(decode_value(k, arrays)): decode_value(v, arrays)
                for k, v in tree["__items__"]}
    if "__dataarray__" in tree:
        return decode_value(tree["__dataarray__"], arrays)["__x__"]
    if "__dataset__" in tree:
        import xarray as xr

        d = tree["__dataset__"]

        def var(v):
            return (v["dims"], decode_value(v["data"], arrays), decode_value(v["attrs"], arrays))
        return xr.Dataset({k: var(v) for k, v in d["data_vars"].items()},
                          coords={k: var(v) for k, v in d["coords"].items()},
                          attrs=decode_value(d["attrs"], arrays))
    return {k: decode_value(v, arrays) for k, v in tree.items()}


def _hashable(key):
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    return key


def read_entry(path: Path) -> dict:
    """The record of one cache file (np.load without pickle); CacheEntryError if malformed."""
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as npz:
            members = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise CacheEntryError(f"not a NumPy archive ({type(exc).__name__})") from exc
    raw = members.pop("__record__", None)
    if raw is None or raw.dtype != np.uint8:
        raise CacheEntryError("no __record__ member")
    try:
        record = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CacheEntryError("__record__ is not JSON") from exc
    if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
        raise CacheEntryError(f"not a {CACHE_FORMAT} record")
    try:
        record["value"] = decode_value(record.get("value"), members)
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheEntryError(f"malformed value ({type(exc).__name__}: {exc})") from exc
    return record


class ResultCache:
    """Results by content hash in pickle-free .npz files, written atomically (see module
    docstring)."""

    def __init__(self, root: Path | str = DEFAULT_CACHE_DIR):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> tuple[bool, Any]:
        """(found, value). A missing entry is a miss; a corrupt one, or one whose stored key is
        not `key`, is a miss with a warning naming the file (it is recomputed)."""
        path = self.path(key)
        if not path.is_file():
            return False, None
        try:
            record = read_entry(path)
            if record.get("key") != key:
                raise CacheEntryError(f"stored key {str(record.get('key'))[:16]!r} "
                                      f"is not the file's key")
        except (CacheEntryError, OSError) as exc:
            warnings.warn(f"cache entry {path} ignored: {exc}", RuntimeWarning, stacklevel=2)
            return False, None
        return True, record["value"]

    def put(self, key: str, value: Any, description: Any = None) -> Path:
        """Store `value` under `key`; TypeError if it holds something `encode_value` refuses."""
        path = self.path(key)
        arrays: list = []
        record = {"format": CACHE_FORMAT, "key": key,
                  "description": json.loads(canonical_json(description)),
                  "value": encode_value(value, arrays),
                  "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        text = json.dumps(record, allow_nan=True).encode("utf-8")
        members = {f"a{i}": a for i, a in enumerate(arrays)}
        members["__record__"] = np.frombuffer(text, dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **members)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("??/*.npz")) if self.root.is_dir() else []
