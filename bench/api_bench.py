"""How long the API's reads take: `python bench/api_bench.py [--runs N]`.

On seed 001 imported and dispatched (the tests' cast) with a report submitted for each task the
lead agency leads, every list (first page, 50 rows) and the figures, as the office and as the
lead agency: the median time of N requests and the number of queries of one. It migrates a
throwaway SQLite database unless DATABASE_URL says otherwise. Prints figures; asserts nothing.
"""
import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URLS = ["plans/", "plans/{plan}/figures/", "plans/figures/", "sections/", "tasks/",
        "indicators/", "indicator-values/", "agencies/", "assignments/", "periods/",
        "reports/", "contributions/", "attachments/", "notifications/"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="duban-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DUBAN_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["API_THROTTLE_USER"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from tests.cast import build_cast
    from workflow import services
    from workflow.models import Assignment

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # 403s and 404s are expected; keep the table readable
    cast = build_cast()
    led = Assignment.objects.filter(agency=cast.lead.profile.agency, role="lead", active=True)
    for assignment in led.select_related("task"):
        report = services.report_save(task=assignment.task, period=cast.period, by=cast.lead,
                                      data={"progress": "进展"})
        services.report_submit(report=report, by=cast.lead)

    database = os.environ["DATABASE_URL"].split(":")[0]
    print(f"seed 001, {led.count()} reports submitted; median of {args.runs} requests, ms; "
          f"database {database}")
    print(f"{'GET /api/v1/…':28} {'office ms':>9} {'queries':>7} {'lead ms':>8} {'queries':>7}")
    clients = {}
    for name in ("office", "lead"):
        clients[name] = APIClient()
        clients[name].force_authenticate(getattr(cast, name))
    for url in URLS:
        url = url.format(plan=cast.plan.pk)
        row = []
        for client in clients.values():
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(f"/api/v1/{url}")
                times.append(time.perf_counter() - start)
            with CaptureQueriesContext(connection) as queries:
                status = client.get(f"/api/v1/{url}").status_code
            row += [f"{statistics.median(times) * 1000:>9.1f}" if status == 200 else
                    f"{status:>9}", f"{len(queries):>7}"]
        print(f"{url:28} {row[0]} {row[1]} {row[2]:>8} {row[3]}")


if __name__ == "__main__":
    main()
