"""How long importing a plan takes: `python bench/import_bench.py [--runs N]`.

For every corpus document and seed (and the largest document set as a PDF): reading the file
(read_plan_file), the preview (reading + agency resolution against the database) and the whole
import (written in one transaction, then rolled back), the median of N runs each. It migrates a
throwaway SQLite database unless DATABASE_URL says otherwise. Prints figures; asserts nothing.
"""
import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="duban-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DUBAN_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    from tasks.importers import read_plan_file
    from tasks.services import plan_import, resolve_plan
    from tests.importers.pdfs import text_pdf

    call_command("migrate", verbosity=0)
    logging.getLogger("duban.import").setLevel(logging.WARNING)
    corpus = sorted((ROOT / "tests" / "corpus").glob("*.txt"))
    files = corpus + sorted((ROOT / "seeds").glob("*.txt"))
    documents = [(path.name, path.read_bytes()) for path in files]
    largest = max(corpus, key=lambda path: path.stat().st_size)
    documents.append((largest.stem + ".pdf",
                      text_pdf(largest.read_text(encoding="utf-8").splitlines())))

    def preview_once(data, name):
        resolve_plan(data=data, source_name=name)

    def import_once(data, name):
        try:
            with transaction.atomic():
                plan_import(data=data, source_name=name)
                raise Rollback
        except Rollback:
            pass

    database = os.environ["DATABASE_URL"].split(":")[0]
    print(f"median of {args.runs} runs, seconds; database {database}")
    print(f"{'document':48} {'bytes':>7} {'tasks':>5} {'read':>7} {'preview':>8} {'import':>7}")
    with override_settings(STORAGES={"default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": scratch}}}):
        for name, data in documents:
            tasks = len(read_plan_file(data, name).tasks)
            read, preview, whole = (
                median_seconds(partial(action, data, name), args.runs)
                for action in (read_plan_file, preview_once, import_once))
            print(f"{name:48} {len(data):>7} {tasks:>5} {read:>7.3f} {preview:>8.3f} {whole:>7.3f}")
    print(f"largest corpus document: {largest.name} ({largest.stat().st_size} bytes), also "
          "set as a PDF above")


if __name__ == "__main__":
    main()
