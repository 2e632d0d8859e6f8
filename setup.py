"""Build hook: the wheel carries the run-time data from the top of the repository.

templates/, static/ (with the built static/vendor/), migrations/, alembic.ini and seed/ stay at
the top of the checkout; a non-editable build copies them into the wheel as package data under
app/_data/, where app.resources finds them (see that module for the one rule). An editable
install reads the checkout and copies nothing. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
_resources = runpy.run_path(str(HERE / "app" / "resources.py"))
SHIPPED: tuple[str, ...] = _resources["SHIPPED"]
PACKAGED_DIR: str = _resources["PACKAGED_DIR"]


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (HERE / "static" / "vendor" / "manifest.json").exists():
            raise SystemExit(
                "static/vendor/ is missing: run `make assets` (npm ci + python -m app.web.assets) "
                "before building the wheel"
            )
        target = Path(self.build_lib) / "app" / PACKAGED_DIR
        if target.exists():
            shutil.rmtree(target)  # a reused build/ folder must not keep deleted files
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in SHIPPED:
            src, dst = HERE / name, target / name
            if src.is_dir():
                shutil.copytree(src, dst, ignore=ignore)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildWithData})
