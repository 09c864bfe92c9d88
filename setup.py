"""Build step: a non-editable install (`pip install .`, a wheel) ships copies of the top-level
`priors/` and `data/` folders inside the package as `model/_shipped/{priors,data}`, where
model/shipped.py finds them with importlib.resources. An editable install skips the copy and keeps
using the checkout's folders. Everything else is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("priors", "data")


class BuildPyWithShipped(build_py):
    """build_py, then copy priors/ and data/ (regular files only, no symlinks) into the build."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for kind in SHIPPED:
            target = Path(self.build_lib) / "model" / "_shipped" / kind
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ROOT / kind, target, symlinks=False,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithShipped})
