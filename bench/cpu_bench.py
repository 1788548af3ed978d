"""CPU time of the computations behind the pages, in-process: `python bench/cpu_bench.py [N]`.

On a shared machine the wall clock counts other processes too; the CPU time of this process
hardly changes with the load. Times office_dashboard and plan_dashboard (warm, then cold: every
plan's stamp drawn afresh first), the overdue list's rows over all plans and the reminder sweep
as a dry run, on the PostgreSQL database in DATABASE_URL (issue 12's scale data).
"""
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.contrib.auth.models import User
    from django.utils import timezone

    from supervision.dashboard import office_dashboard, plan_dashboard
    from tasks.models import Plan
    from workflow.figures import figures_changed
    from workflow.reminders import overdue_rows
    from workflow.sweep import reminders_sweep

    office = User.objects.get(username="scale-office")
    today = timezone.localdate()
    plan = Plan.objects.order_by("pk").first()
    ids = list(Plan.objects.values_list("pk", flat=True))

    def timed(name, call, n, before=None):
        call()
        cpu, wall = [], []
        for _ in range(n):
            if before:
                before()
            start_cpu, start = time.process_time(), time.perf_counter()
            call()
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        print(f"{name:28} CPU {statistics.median(cpu) * 1000:8.0f} ms  "
              f"wall {statistics.median(wall) * 1000:8.0f} ms")

    timed("office_dashboard", lambda: office_dashboard(office, today), runs)
    timed("office_dashboard cold", lambda: office_dashboard(office, today), max(1, runs // 2),
          figures_changed)
    timed("plan_dashboard", lambda: plan_dashboard(plan, today), runs)
    timed("plan_dashboard cold", lambda: plan_dashboard(plan, today), runs,
          lambda: figures_changed([plan.pk]))
    timed("overdue_rows all plans", lambda: overdue_rows(ids, today), max(1, runs // 2))
    timed("sweep dry run", lambda: reminders_sweep(today, dry_run=True, flush=False), 1)


if __name__ == "__main__":
    main()
