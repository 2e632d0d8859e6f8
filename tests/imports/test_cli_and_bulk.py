"""`mlmock import` / `mlmock export` as a process, and 2,000 questions in one transaction."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from app.config import ROOT
from app.db import make_engine, make_sessionmaker
from app.imports.service import ImportOptions, import_file
from tests.imports.helpers import BAD_INPUTS, FIXTURES, XML, generated_gift, question_count

pytestmark = pytest.mark.slow  # CLI subprocesses, 2,000-question imports


def _cli(args: list[str], url: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DATABASE_URL": url, "MLMOCK_ENV": "test", "MLMOCK_LOG_LEVEL": "WARNING", **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def _count(url: str) -> int:
    with psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", url)) as conn:
        row = conn.execute("SELECT count(*) FROM question").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def cli_db(make_database) -> str:  # type: ignore[no-untyped-def]
    return make_database("mlmock_cli_import")  # type: ignore[no-any-return]


def test_cli_import_dry_run_reimport_and_export(cli_db: str, tmp_path: Path) -> None:
    gift_file = FIXTURES / "every_construct.gift"
    r = _cli(["import", str(gift_file), "--dry-run"], cli_db)
    assert r.returncode == 0, r.stderr
    assert "dry run: 12 to create" in r.stdout and "create" in r.stdout and _count(cli_db) == 0
    r = _cli(
        ["import", str(gift_file), "--publish", "--source-url", "https://example.org", "--licence", "CC0"],
        cli_db,
    )
    assert r.returncode == 0 and "imported: 12 created" in r.stdout, r.stderr
    assert "reading and checking" in r.stderr and "writing 12" in r.stderr  # progress, on stderr
    r = _cli(["import", str(gift_file)], cli_db)
    assert r.returncode == 0 and "0 created, 0 new versions, 12 unchanged" in r.stdout
    out = tmp_path / "bank.json"
    r = _cli(["export", "--format", "json", "--status", "published", "-o", str(out)], cli_db)
    assert r.returncode == 0 and "exported 12 questions" in r.stderr
    bank = json.loads(out.read_text(encoding="utf-8"))
    assert len(bank["questions"]) == 12 and bank["questions"][0]["provenance"]["licence"] == "CC0"
    r = _cli(["export", "--format", "gift", "--topic", "optimisation"], cli_db)
    assert r.returncode == 0 and r.stdout.count("::") >= 10
    assert _count(cli_db) == 12


@pytest.mark.parametrize(("name", "data", "fmt", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_cli_bad_input(
    cli_db: str, tmp_path: Path, name: str, data: bytes, fmt: str | None, message: str
) -> None:
    before = _count(cli_db)
    path = tmp_path / f"{name}.{'xml' if data.lstrip().startswith(b'<') else 'txt'}"
    path.write_bytes(data)
    r = _cli(["import", str(path), *(["--format", fmt] if fmt else [])], cli_db)
    assert r.returncode != 0
    assert message in r.stderr and "nothing was imported" in r.stderr and "Traceback" not in r.stderr
    assert _count(cli_db) == before


def test_cli_limits(cli_db: str, tmp_path: Path) -> None:
    before = _count(cli_db)
    path = tmp_path / "four.gift"
    path.write_bytes(generated_gift(4))
    r = _cli(["import", str(path)], cli_db, MLMOCK_IMPORT_MAX_QUESTIONS="3")
    assert r.returncode != 0 and "the limit is 3" in r.stderr
    path.write_bytes(generated_gift(40))
    r = _cli(["import", str(path)], cli_db, MLMOCK_IMPORT_MAX_BYTES="1024")
    assert r.returncode != 0 and "the import limit is 1,024 bytes" in r.stderr
    r = _cli(["import", str(tmp_path / "missing.gift")], cli_db)
    assert r.returncode != 0 and "does not exist" in r.stderr
    r = _cli(["import", str(FIXTURES / "every_construct.xml"), "--format", "gift"], cli_db)
    assert r.returncode != 0
    assert _count(cli_db) == before
    assert XML  # the XML fixture is what a wrong --format complains about


async def _import(url: str, data: bytes) -> float:
    engine = make_engine(url, pool_size=1)
    try:
        started = time.perf_counter()
        async with make_sessionmaker(engine)() as s, s.begin():
            preview = await import_file(
                s, data, ImportOptions(), dry_run=False, author_id=None, max_bytes=10**7, max_questions=5_000
            )
            assert preview.imported, preview.all_problems[:5]
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def _count_async(url: str) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s:
            return await question_count(s)
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_two_thousand_questions_one_transaction(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_bulk")
    # a parse error in question 1,999: refused as a whole, the bank is unchanged
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with pytest.raises(AssertionError, match=r"line \d+: malformed braces"):
        await _import(url, generated_gift(2_000, broken=1_999))
    assert await _count_async(url) == 0

    # a failure inside the database at row 1,999 (after 1,998 rows went in): rolled back whole
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_1999() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.title = 'Generated 1999' THEN RAISE EXCEPTION 'injected failure at question 1999'; END IF; "
                "RETURN NEW; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_1999 BEFORE INSERT ON question_version FOR EACH ROW EXECUTE FUNCTION refuse_1999()"
            )
        )
    with pytest.raises(Exception, match="injected failure at question 1999"):
        await _import(url, generated_gift(2_000))
    assert await _count_async(url) == 0
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER refuse_1999 ON question_version"))
    await engine.dispose()

    seconds = await _import(url, generated_gift(2_000))
    assert await _count_async(url) == 2_000
    again = await _import(url, generated_gift(2_000))  # re-import: all unchanged
    assert await _count_async(url) == 2_000
    (artifacts / "import-2000.txt").write_text(
        f"2,000 GIFT questions imported in {seconds:.2f} s; re-import {again:.2f} s\n"
    )
    # timing is reported (artifact), not asserted: a loaded CI machine would miss any threshold
    print(f"\n2,000 GIFT questions imported in {seconds:.2f} s (re-import, all unchanged: {again:.2f} s)")


def test_cli_export_to_a_path_it_cannot_write_is_a_clear_error(cli_db: str, tmp_path: Path) -> None:
    """`-o` into a folder that does not exist (or a read-only place) printed a Python traceback."""
    for target in (tmp_path / "missing" / "bank.json", Path("/proc/mlmock-bank.json")):
        r = _cli(["export", "--format", "json", "-o", str(target)], cli_db)
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith("Error: Cannot write") and str(target) in r.stderr, r.stderr
        assert not target.exists()
