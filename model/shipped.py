"""Where the shipped scenario presets (`priors/`) and curated data (`data/`) live.

The repository keeps them as top-level folders (the fixed project layout). A non-editable install
(`pip install .`, a wheel) has no such folders: the build step in setup.py copies both into the
package as `model/_shipped/priors` and `model/_shipped/data`, found here with importlib.resources.
A source or editable checkout has no `model/_shipped` (it is never committed) and uses the
top-level folders.

Lookup of a name given on the command line (`--priors NAME`):
    1. a path (ends in .toml, contains a directory separator, or exists) is used as is;
    2. ./priors/NAME.toml in the working directory, where a user keeps their own scenarios;
    3. the shipped preset NAME.toml.
Data: `--data-dir` if given, else the shipped data (no working-directory lookup: curated data are
hash-checked against their provenance records, so a stray ./data/ must be asked for explicitly).
"""

from __future__ import annotations

import difflib
from importlib.resources import files
from pathlib import Path

#: The folder inside the installed package that setup.py's build step fills.
SHIPPED_PACKAGE_DIR = "_shipped"


def shipped_dir(kind: str) -> Path:
    """The shipped `priors` or `data` folder: inside the installed package if the build step put
    it there, else the checkout's top-level folder."""
    if kind not in ("priors", "data"):
        raise ValueError(f"unknown shipped folder {kind!r} (known: priors, data)")
    packaged = Path(str(files("model"))) / SHIPPED_PACKAGE_DIR / kind
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / kind


def is_path_like(text: str | Path) -> bool:
    """A `--priors` value that names a file rather than a preset."""
    p = Path(text)
    return p.suffix == ".toml" or len(p.parts) > 1 or p.exists()


def preset_names(*dirs: Path) -> list[str]:
    """Sorted, de-duplicated scenario names (`*.toml` stems) in the given folders."""
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})


def nearest_hint(name: str, choices: list[str]) -> str:
    """'; did you mean X?' for the closest choice (difflib ratio >= 0.6), else ''."""
    close = difflib.get_close_matches(name, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class PresetNotFound(ValueError):
    """A `--priors NAME` that is neither in ./priors/ nor among the shipped presets."""


def resolve_preset(name_or_path: str | Path) -> Path:
    """The scenario file for a `--priors` value, by the lookup order in this module's docstring.
    A path is returned as is (a missing file is reported by whoever reads it); an unknown name
    raises PresetNotFound listing the presets and suggesting the nearest."""
    if is_path_like(name_or_path):
        return Path(name_or_path)
    name = str(name_or_path)
    folders = (Path.cwd() / "priors", shipped_dir("priors"))
    for folder in folders:
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            return candidate
    names = preset_names(*folders)
    raise PresetNotFound(f"{name}: no such scenario in ./priors/ or the shipped presets "
                         f"(available: {', '.join(names)}){nearest_hint(name, names)}")
