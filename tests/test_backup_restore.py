"""ops/backup.sh and ops/restore.sh on a real PostgreSQL database holding the demo data: back up,
wipe (drop the database, delete the files), restore, and find every row and every file again.

Runs on the PostgreSQL server of DATABASE_URL when it is one (CI), else on 127.0.0.1:5432, in a
scratch database of its own that it drops at the end. Skipped only where pg_dump is missing, and
never in CI.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
# Tables whose rows the demo data must have put there, so that equal counts mean something.
DEMO_TABLES = ["agencies_agency", "auth_user", "tasks_plan", "tasks_task"]


@pytest.fixture
def server() -> dict:
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if not shutil.which(tool)]
    if missing:
        if IN_CI:
            pytest.fail(f"CI must test backup and restore, but {', '.join(missing)} is missing")
        pytest.skip(f"{', '.join(missing)} is not installed (Debian: postgresql-client)")
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432),
                "user": db["USER"] or "postgres", "password": db["PASSWORD"] or ""}
    return {"host": "127.0.0.1", "port": "5432", "user": "postgres", "password": ""}


@pytest.fixture
def scratch_db(server):
    """An empty database of this test's own (unique: other runs may share the server)."""
    name = f"duban_backup_src_{os.getpid()}"
    admin = psycopg.connect(host=server["host"], port=server["port"], user=server["user"],
                            password=server["password"], dbname="postgres", autocommit=True)

    def recreate():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    recreate()
    credentials = quote(server["user"]) + (f":{quote(server['password'])}"
                                           if server["password"] else "")
    url = f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    yield url, recreate
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def run(args, env, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, **kwargs)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-4000:])
    return result


def row_counts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        sequences = dict(conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))
    return {"rows": counts, "sequences": sequences}


def file_digests(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_backup_restores_every_row_and_every_file(scratch_db, tmp_path):
    url, recreate = scratch_db
    var = tmp_path / "var"
    private = var / "private"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DATABASE_URL": url, "REDIS_URL": "", "DUBAN_VAR_DIR": str(var),
                "DEBUG": "1", "LOG_FORMAT": "text", "PYTHONPATH": str(ROOT)})
    manage = [sys.executable, "manage.py"]

    # The demo data, and a few more uploaded files: a nested folder, a Chinese name.
    run(manage + ["migrate", "--noinput"], env)
    run(manage + ["load_demo"], env)
    (private / "attachments" / "2026" / "12").mkdir(parents=True)
    (private / "attachments" / "2026" / "12" / "第一季度报告.pdf").write_bytes(b"%PDF-1.4 " * 500)
    (private / "attachments" / "empty.txt").write_bytes(b"")
    before = row_counts(url)
    files_before = file_digests(private)
    assert all(before["rows"][t] > 0 for t in DEMO_TABLES), before["rows"]
    assert sum(1 for n in before["rows"].values() if n) >= 10
    assert len(files_before) >= 3 and any(p.startswith("plans/") for p in files_before)

    # Back up as in the compose setup: the archive on stdout.
    archive = tmp_path / "duban-backup.tar"
    with archive.open("wb") as out:
        subprocess.run(["ops/backup.sh", "-"], cwd=ROOT, env=env, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == [
            "SHA256SUMS", "database.dump", "manifest.txt", "private.tar"]

    # Wipe both.
    recreate()
    shutil.rmtree(private)
    assert row_counts(url)["rows"] == {}

    run(["ops/restore.sh", str(archive)], env)

    assert row_counts(url) == before
    assert file_digests(private) == files_before
    run(manage + ["migrate", "--check"], env)  # the schema is the code's, nothing to apply

    # Restoring over the live database works too, and a backup into a folder names its file.
    run(["ops/restore.sh", str(archive)], env)
    assert row_counts(url) == before
    written = Path(run(["ops/backup.sh", str(tmp_path / "backups")], env,
                       text=True).stdout.strip())
    assert written.parent == tmp_path / "backups" and written.name.startswith("duban-backup-")
    assert tarfile.is_tarfile(written)


def test_restore_refuses_a_database_with_tables_the_backup_lacks(scratch_db, tmp_path):
    url, _recreate = scratch_db
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DATABASE_URL": url, "DUBAN_VAR_DIR": str(tmp_path / "var")})
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (id int)")
        conn.execute("INSERT INTO kept VALUES (1)")
    archive = tmp_path / "b.tar"
    with archive.open("wb") as out:
        subprocess.run(["ops/backup.sh", "-"], cwd=ROOT, env=env, stdout=out, check=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE from_a_newer_version (id int)")
        conn.execute("DELETE FROM kept")

    result = subprocess.run(["ops/restore.sh", str(archive)], cwd=ROOT, env=env,
                            capture_output=True, text=True)

    assert result.returncode != 0
    assert "from_a_newer_version" in result.stderr
    with psycopg.connect(url) as conn:  # nothing was restored
        assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 0


def test_a_damaged_archive_is_refused(scratch_db, tmp_path):
    url, _recreate = scratch_db
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DATABASE_URL": url, "DUBAN_VAR_DIR": str(tmp_path / "var")})
    archive = tmp_path / "b.tar"
    with archive.open("wb") as out:
        subprocess.run(["ops/backup.sh", "-"], cwd=ROOT, env=env, stdout=out, check=True)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (unpacked / "database.dump").write_bytes(b"not a dump")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for name in ("manifest.txt", "SHA256SUMS", "database.dump", "private.tar"):
            tar.add(unpacked / name, arcname=name)

    result = subprocess.run(["ops/restore.sh", str(damaged)], cwd=ROOT, env=env,
                            capture_output=True, text=True)

    assert result.returncode != 0
    assert "damaged" in result.stderr


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}

    result = subprocess.run(["ops/backup.sh", str(tmp_path)], cwd=ROOT, env=env,
                            capture_output=True, text=True)

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr
