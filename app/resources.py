"""Where the app finds what it reads at run time — one rule for a checkout and an installed wheel.

The run-time data lives at the top of the repository (`SHIPPED`: templates/, static/ with the
built static/vendor/, migrations/ + alembic.ini, seed/). The wheel carries a copy of it as
package data in `app/_data/` (setup.py's build step copies it there), so:

- `data_path("templates")` is `<site-packages>/app/_data/templates` in an installed wheel and
  the checkout's top-level `templates/` in development (editable install, tests, `make run`);
- files that live inside the `app` package itself (app/auth/common_passwords.txt, …) are
  package data: `package_path("auth/common_passwords.txt")` (importlib.resources).

Nothing else may build a path to run-time data (no `Path(__file__).parents[…]`, no checkout
root): tests/test_wheel.py installs the wheel outside the checkout and runs it.

This module is stdlib-only and side-effect-free: setup.py reads `SHIPPED` from it at build time.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

# Top-level paths (relative to the repository root) that the wheel ships under app/_data/.
SHIPPED: tuple[str, ...] = ("templates", "static", "migrations", "alembic.ini", "seed")
PACKAGED_DIR = "_data"


class DataMissing(RuntimeError):
    pass


def _package_root() -> Path:
    root = files("app")
    if not isinstance(root, Path):  # a zipped install: Jinja/StaticFiles/Alembic need real folders
        raise DataMissing("mlmock must be installed as files on disk, not from a zip archive")
    return root


@lru_cache
def data_root() -> Path:
    """The folder that holds SHIPPED: app/_data/ when installed, else the checkout's top level."""
    package = _package_root()
    packaged = package / PACKAGED_DIR
    if packaged.is_dir():
        return packaged
    checkout = package.parent
    if (checkout / "templates").is_dir() and (checkout / "migrations").is_dir():
        return checkout
    raise DataMissing(
        f"no run-time data: neither {packaged} (a wheel built by `pip wheel .`) nor a checkout at {checkout}"
    )


def data_path(*parts: str) -> Path:
    """A shipped file or folder, e.g. data_path("seed", "formats.yaml")."""
    return data_root().joinpath(*parts)


def package_path(relative: str) -> Path:
    """A data file inside the app package, e.g. package_path("auth/common_passwords.txt")."""
    return _package_root().joinpath(*relative.split("/"))


def checkout_root() -> Path | None:
    """The repository checkout when running from one (development tools only), else None."""
    root = data_root()
    return None if root.name == PACKAGED_DIR else root
