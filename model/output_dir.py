"""Output-folder policy, one place for every command that writes a folder (run, prior-only run,
priors show, publish, sweep, sbc, backtest) or a file (compare).

Rules
    * Every output folder carries a marker file `.oomcast-output.json` {"kind", "oomcast_version",
      "created", "files_sha256"}, written last, just before the folder is renamed into place.
      `files_sha256` holds the SHA-256 of the files that define the output (a run's posterior.nc
      and summary.json), so readers can verify them (`verify_hashes`); files that studies add
      later (ppc.json, sensitivity.png) are not covered.
    * An existing folder is replaced (--overwrite, or implicitly by priors show/sweep/publish)
      only if it carries the marker or is empty. Anything else is refused with one line: a
      folder without the marker (a repository, documents), `.`, `..`, `/`, the working
      directory or one of its ancestors, a file, a FIFO, and anything under /proc, /dev, /sys.
    * Writing goes through a hidden staging sibling `.NAME.partial-PID-HEX`, renamed into place
      when complete (replace_dir), so Ctrl-C or a crash never leaves a half-written folder.
    * One writer per folder: a lock file `.NAME.lock` created with O_EXCL holding the writer's
      pid. A second writer is refused while the first is alive; a lock, staging folder or
      displaced old folder of a dead process is cleaned up (or, for a displaced folder whose
      replacement never arrived, put back) at the next start.
    * Names read from files (a scenario's or sweep spec's `name`) become path components only
      through `safe_component`.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from model.interrupts import raise_if_interrupted

#: The marker file naming an oomcast output folder.
MARKER_NAME = ".oomcast-output.json"
#: Path prefixes no output may be written under.
FORBIDDEN_ROOTS = (Path("/proc"), Path("/dev"), Path("/sys"))
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
#: Locks held by this process (a command may claim its folder early and stage it later).
_HELD: set[Path] = set()


class OutputPathError(ValueError):
    """An output path that oomcast refuses to write or replace (one line, exit 2)."""


class RunExistsError(OutputPathError, FileExistsError):
    """The output directory exists and overwriting was not asked for."""


class OutputBusyError(OutputPathError):
    """Another live oomcast process is writing the same output folder."""


def package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("oomcast")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def safe_component(name: str, what: str) -> str:
    """`name` if it can be one path component (letters, digits, . _ + -, not starting with a dot,
    at most 100 characters); else OutputPathError naming `what` (e.g. "scenario name")."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise OutputPathError(f"{what} {name!r} cannot be used in a folder name (letters, digits, "
                              "'.', '_', '+', '-' only); pass --out")
    return name


def _forbidden(path: Path) -> str | None:
    """Why `path` (absolute, resolved) may never be an output, or None."""
    if path == Path(path.anchor):
        return "is the filesystem root"
    for root in FORBIDDEN_ROOTS:
        if path == root or root in path.parents:
            return f"is under {root}"
    cwd = Path.cwd().resolve()
    if path == cwd or path in cwd.parents:
        return "is the working directory or one of its parents"
    return None


def check_output_path(path: Path | str, what: str = "--out") -> Path:
    """The absolute path of an output (folder or file) after the checks every kind shares."""
    raw = Path(path)
    if raw.name in ("", ".", "..") or str(path).endswith(("/.", "/..")):
        raise OutputPathError(f"{what} {str(path)!r}: name a new folder, not '.', '..' or '/'")
    try:
        resolved = raw.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise OutputPathError(f"{what} {path}: cannot be resolved ({exc})") from exc
    reason = _forbidden(resolved)
    if reason:
        raise OutputPathError(f"{what} {path} {reason}; refusing to write there")
    return resolved


def read_marker(folder: Path) -> dict | None:
    """The marker of `folder` as a dict, or None if absent or unreadable."""
    marker = Path(folder) / MARKER_NAME
    try:
        if not marker.is_file() or marker.stat().st_size > 1 << 20:
            return None
        doc = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("kind"), str) else None


def check_output_dir(out_dir: Path | str, overwrite: bool, what: str = "--out") -> Path:
    """Refuse an output folder we may not (re)place (module docstring). Returns out_dir as given
    (relative paths stay relative, for messages)."""
    out_dir = Path(out_dir)
    check_output_path(out_dir, what)
    if out_dir.is_symlink() or out_dir.exists():
        if out_dir.is_symlink() or not out_dir.is_dir():
            raise OutputPathError(f"{what} {out_dir} exists and is not a folder; refusing to "
                                  "replace it")
        if read_marker(out_dir) is None and any(out_dir.iterdir()):
            raise OutputPathError(f"{what} {out_dir} exists and is not an oomcast output (no "
                                  f"{MARKER_NAME}); refusing to replace it")
        if not overwrite:
            raise RunExistsError(f"{out_dir} already exists; pass --overwrite to replace it")
    return out_dir


#: File signatures of the figure formats an output file may replace.
FIGURE_SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".pdf": (b"%PDF",),
                     ".svg": (b"<?xml", b"<svg")}


def check_output_file(path: Path | str, what: str = "--out") -> Path:
    """A single output figure (compare's): refused if it exists and is not a regular file whose
    first bytes are those of its suffix's format (so a document is never replaced)."""
    path = Path(path)
    check_output_path(path, what)
    if path.is_symlink() or path.exists():
        if not path.is_file() or path.is_symlink():
            raise OutputPathError(f"{what} {path} exists and is not a regular file; refusing to "
                                  "replace it")
        with open(path, "rb") as fh:
            head = fh.read(8)
        if not head.startswith(FIGURE_SIGNATURES.get(path.suffix.lower(), (b"\0\0\0\0",))):
            raise OutputPathError(f"{what} {path} exists and is not a {path.suffix} figure; "
                                  "refusing to replace it")
    return path


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sibling_pid(name: str, prefix: str) -> int | None:
    m = re.fullmatch(re.escape(prefix) + r"(\d+)-[0-9a-f]+", name)
    return int(m.group(1)) if m else None


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove the staging folders of dead writers of out_dir; put back a displaced old folder
    whose replacement never arrived (killed between the two renames of replace_dir). Returns
    what was removed or restored."""
    out_dir = Path(out_dir)
    parent = out_dir.parent
    if not parent.is_dir():
        return []
    done = []
    for kind in ("partial", "old"):
        prefix = f".{out_dir.name}.{kind}-"
        for p in sorted(parent.glob(f"{glob_escape(prefix)}*")):
            pid = _sibling_pid(p.name, prefix)
            if pid is None or _pid_alive(pid):
                continue
            if kind == "old" and not out_dir.exists() and read_marker(p) is not None:
                os.replace(p, out_dir)
            else:
                shutil.rmtree(p, ignore_errors=True)
            done.append(p)
    return done


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


@contextmanager
def output_lock(out_dir: Path):
    """Hold `.NAME.lock` (O_EXCL, holding our pid) for the block; reentrant within a process.
    OutputBusyError if a live process holds it; a dead process's lock is taken over."""
    out_dir = Path(out_dir)
    key = out_dir.resolve(strict=False)
    if key in _HELD:
        yield
        return
    lock = out_dir.with_name(f".{out_dir.name}.lock")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"--out {out_dir}: cannot create its parent folder "
                              f"({exc.strerror or exc})") from exc
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid):
                raise OutputBusyError(f"{out_dir} is being written by another oomcast process "
                                      f"(pid {pid}); try again when it has finished") from None
            lock.unlink(missing_ok=True)  # a dead writer's lock
            continue
        except OSError as exc:
            raise OutputPathError(f"--out {out_dir}: cannot write there "
                                  f"({exc.strerror or exc})") from exc
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    else:
        raise OutputBusyError(f"{out_dir}: could not take the lock {lock}")
    _HELD.add(key)
    try:
        clean_stale(out_dir)
        yield
    finally:
        _HELD.discard(key)
        lock.unlink(missing_ok=True)


def replace_dir(tmp: Path, out_dir: Path) -> None:
    """Swap a finished directory in for out_dir (os.replace; an old out_dir is moved aside to
    `.NAME.old-PID-HEX` first and removed after)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except BaseException:  # an interrupt between the two renames: put the old folder back
        if old is not None and not out_dir.exists():
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_marker(folder: Path, kind: str, hashed: tuple[str, ...] = ()) -> dict:
    """Write the marker into `folder` with the SHA-256 of its files named in `hashed`."""
    doc = {"kind": kind, "oomcast_version": package_version(),
           "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "files_sha256": {name: sha256_file(Path(folder) / name) for name in hashed}}
    (Path(folder) / MARKER_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return doc


@contextmanager
def staged_dir(out_dir: Path, kind: str, overwrite: bool = True, hashed: tuple[str, ...] = (),
               refuse_new: str | None = None):
    """Write a folder atomically under the policy above: check out_dir, take its lock, yield a
    hidden staging sibling to fill; when the block ends write the marker (with the hashes of the
    `hashed` files) and rename the folder into place. On any error or interrupt the staging
    folder is removed and out_dir is left as it was. refuse_new ("while sampling"): refuse if
    out_dir appeared since the caller checked (no --overwrite)."""
    out_dir = check_output_dir(out_dir, overwrite)
    with output_lock(out_dir):
        try:
            check_output_dir(out_dir, overwrite)
        except RunExistsError:
            raise RunExistsError(f"{out_dir} appeared {refuse_new or 'meanwhile'}; not "
                                 "replaced") from None
        tmp = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            tmp.mkdir()
        except OSError as exc:
            raise OutputPathError(f"--out {out_dir}: cannot write there "
                                  f"({exc.strerror or errno.errorcode.get(exc.errno)})") from exc
        try:
            yield tmp
            raise_if_interrupted()  # an interrupt some library swallowed while writing
            write_marker(tmp, kind, hashed)
            replace_dir(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def verify_hashes(folder: Path, names: tuple[str, ...]) -> str | None:
    """None if the marker of `folder` records `names` and their SHA-256 still match; else the
    reason, naming the file."""
    folder = Path(folder)
    marker = read_marker(folder)
    if marker is None:
        return f"{folder / MARKER_NAME}: missing or unreadable (not written by oomcast run?)"
    recorded = marker.get("files_sha256")
    for name in names:
        want = recorded.get(name) if isinstance(recorded, dict) else None
        if not isinstance(want, str):
            return f"{folder / MARKER_NAME}: records no SHA-256 of {name}"
        try:
            got = sha256_file(folder / name)
        except OSError as exc:
            return f"{folder / name}: cannot be read ({exc.strerror or exc})"
        if got != want:
            return f"{folder / name}: SHA-256 differs from the one recorded when the run was " \
                   "written (modified since)"
    return None
