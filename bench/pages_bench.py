"""How long the pages take at province scale: `python bench/pages_bench.py [--runs N]`.

Run it on the PostgreSQL database in DATABASE_URL after `manage.py generate_scale_data` (issue
12). Each page goes through Django's test Client with the real middleware, logged in as the
person who would open it (the scale data's office staff, or the reporter of the agency with the
most lead tasks); after a warm-up, the median and 95th percentile of N requests and the number
of SQL queries of one, the size of its HTML (KB; every list is paged, so it stays well under
100 KB however large the province), with the median CPU time of this process (the Python side:
on a shared machine the wall clock also counts other processes). `--only list,task page` times
the lists and the task page only, `--no-sweep` skips the sweeps. The dashboards are timed warm
(their figures cached, the usual case) and cold (every plan's stamp drawn afresh first, as after
a change to each), and each against its floor: hand-written SQL returning the same figures —
reports due per plan and period by light, state and status, the agency ranking, tasks by state —
through the same connection (page / floor printed). Then the reminder sweep as a dry run
(nothing written, nothing sent) and, inside a transaction rolled back afterwards, a real sweep
queueing its digests followed by the outbox flush to Django's in-memory mail backend (SMTP
excluded). Prints figures; asserts nothing.
"""
import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(call, runs: int, warmup: int = 2, before=None):
    """(median ms, p95 ms, queries of one call, last result, median CPU ms); `before` runs
    untimed before each call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        if before:
            before()
        call()
    times, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return statistics.median(times), _p95(times), len(queries), result, statistics.median(cpu)


# The floor: the dashboards' figures straight from SQL (PostgreSQL), in three queries. Reports
# due: one per task and open period started, owed by a lead assigned on the due date; lights
# approximated by calendar days (the ledger counts working days) — the same rows read, the same
# groupings returned, which is what the database's share of the page costs.
FLOOR_DUE = """
WITH due AS (
  SELECT DISTINCT ON (t.id, p.id) t.plan_id, p.id AS period_id, t.id AS task_id, p.due_on,
         r.id AS report_id, r.state, r.late
  FROM workflow_reportingperiod p
  JOIN tasks_plan pl ON pl.id = p.plan_id AND pl.state IN ('dispatched', 'closed')
  JOIN tasks_task t ON t.plan_id = p.plan_id
  JOIN workflow_assignment a ON a.task_id = t.id AND a.role = 'lead'
       AND a.created_at::date <= p.due_on AND (a.active OR a.ended_at::date > p.due_on)
  LEFT JOIN workflow_progressreport r ON r.task_id = t.id AND r.period_id = p.id
  WHERE p.closed_at IS NULL AND p.starts_on <= %(today)s AND p.plan_id = ANY(%(plans)s)
  ORDER BY t.id, p.id
)
SELECT plan_id, period_id, count(*) AS due,
  count(*) FILTER (WHERE state IN ('submitted', 'verified') AND NOT late) AS on_time,
  count(*) FILTER (WHERE state IN ('submitted', 'verified') AND late) AS late,
  count(*) FILTER (WHERE coalesce(state, '') NOT IN ('submitted', 'verified')
                   AND due_on < %(today)s) AS red,
  count(*) FILTER (WHERE coalesce(state, '') NOT IN ('submitted', 'verified')
                   AND due_on >= %(today)s AND due_on < %(today)s + 5) AS yellow,
  count(*) FILTER (WHERE state = 'verified' OR (state = 'submitted' AND NOT late)) AS green,
  count(*) FILTER (WHERE state IS NULL) AS not_started,
  count(*) FILTER (WHERE state = 'draft') AS draft,
  count(*) FILTER (WHERE state = 'returned') AS returned
FROM due GROUP BY plan_id, period_id
"""
FLOOR_RANKING = """
SELECT a.agency_id, count(*) AS due,
  count(*) FILTER (WHERE r.state IN ('submitted', 'verified') AND NOT r.late) AS on_time,
  count(*) FILTER (WHERE r.state IN ('submitted', 'verified') AND r.late) AS late,
  count(*) FILTER (WHERE coalesce(r.state, '') NOT IN ('submitted', 'verified')
                   AND p.due_on < %(today)s) AS overdue,
  count(*) FILTER (WHERE r.state = 'verified') AS verified,
  coalesce(sum(rc.n), 0) AS returned
FROM workflow_reportingperiod p
JOIN tasks_plan pl ON pl.id = p.plan_id AND pl.state IN ('dispatched', 'closed')
JOIN tasks_task t ON t.plan_id = p.plan_id
JOIN workflow_assignment a ON a.task_id = t.id AND a.role = 'lead'
     AND a.created_at::date <= p.due_on AND (a.active OR a.ended_at::date > p.due_on)
LEFT JOIN workflow_progressreport r ON r.task_id = t.id AND r.period_id = p.id
LEFT JOIN (SELECT object_id, count(*) AS n FROM django_fsm_log_statelog
           WHERE state = 'returned' GROUP BY object_id) rc ON rc.object_id = r.id
WHERE p.closed_at IS NULL AND p.starts_on <= %(today)s AND p.plan_id = ANY(%(plans)s)
GROUP BY a.agency_id
"""
FLOOR_TASKS = """
SELECT plan_id, state, count(*) FROM tasks_task WHERE plan_id = ANY(%(plans)s)
GROUP BY plan_id, state
"""


def _floor(plan_ids: list[int], today) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in (FLOOR_DUE, FLOOR_RANKING, FLOOR_TASKS):
            cursor.execute(sql, {"plans": plan_ids, "today": today})
            cursor.fetchall()


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--sweep-runs", type=int, default=3,
                        help="dry-run sweeps timed (after none of warm-up): they take seconds")
    parser.add_argument("--no-sweep", action="store_true", help="time the pages only")
    parser.add_argument("--only", default="",
                        help="time only the pages whose label contains one of these "
                             "comma-separated words (e.g. list,task page)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database holding the scale data.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["API_THROTTLE_USER"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from notifications.outbox import outbox_flush
    from tasks.models import Plan, Task
    from workflow.figures import figures_changed
    from workflow.models import Assignment, ProgressReport
    from workflow.sweep import reminders_sweep

    settings.ALLOWED_HOSTS = ["testserver"]
    # Run it with DEBUG=0 (production's template loading, no query log); the test client
    # speaks plain HTTP, which production would redirect to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.disable(logging.WARNING)
    office = User.objects.get(username="scale-office")
    busiest = (Assignment.objects.filter(role="lead", active=True).values("agency_id")
               .annotate(n=Count("pk")).order_by("-n", "agency_id").first())
    reporter = User.objects.get(profile__agency_id=busiest["agency_id"], profile__role="reporter")
    supports = (Assignment.objects.filter(role="supporting", active=True).values("agency_id")
                .annotate(n=Count("pk")).order_by("-n", "agency_id").first())
    supporter = User.objects.get(profile__agency_id=supports["agency_id"],
                                 profile__role="reporter")
    plan = Plan.objects.order_by("pk").first()
    task = (Task.objects.filter(assignments__agency_id=busiest["agency_id"],
                                assignments__role="lead")
            .annotate(n=Count("reports", distinct=True)).order_by("-n", "pk").first())
    clients = {}
    for name, user in (("office", office), ("reporter", reporter), ("supporting", supporter)):
        clients[name] = Client()
        clients[name].force_login(user)
    pages = [
        ("all-plans dashboard", "office", "/supervision/dashboard/"),
        ("one plan's dashboard", "office", f"/supervision/plans/{plan.pk}/dashboard/"),
        ("我的任务 list (busiest reporter)", "reporter", "/my/"),
        ("task page (most reports)", "reporter", f"/tasks/{task.pk}/"),
        ("task list, red lights", "office", "/supervision/tasks/?light=red"),
        ("overdue list (all plans)", "office", "/overdue/"),
        ("overdue list (one plan)", "office", f"/plans/{plan.pk}/overdue/"),
        ("receipts list (one plan)", "office", f"/plans/{plan.pk}/receipts/"),
        ("review queue list", "office", "/review/"),
        ("我的任务 list, supporting tab", "supporting", "/my/?tab=supporting"),
        ("API task list", "office", "/api/v1/tasks/"),
    ]
    pages = [page for page in pages if any(word in page[0] for word in args.only.split(","))]
    print(f"{Plan.objects.count()} plans, {Task.objects.count()} tasks, "
          f"{ProgressReport.objects.count()} reports; reporter {reporter.username} leads "
          f"{busiest['n']} tasks; task #{task.pk} has {task.n} reports; {args.runs} requests "
          f"after {args.warmup} of warm-up")
    print(f"{'page':32} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'queries':>7} {'KB':>7} "
          "status")
    today = timezone.localdate()
    for label, who, url in pages:
        median, p95, queries, response, cpu = _timed(
            lambda client=clients[who], url=url: client.get(url), args.runs, args.warmup)
        print(f"{label:32} {median:>9.1f} {p95:>8.1f} {cpu:>7.1f} {queries:>7} "
              f"{len(response.content) / 1024:>7.0f} {response.status_code}")
        if "dashboard" not in label:
            continue
        cold = _timed(lambda client=clients[who], url=url: client.get(url),
                      max(1, args.runs // 4), 0, before=figures_changed)
        print(f"{'  … cold (figures recomputed)':32} {cold[0]:>9.1f} {cold[1]:>8.1f} "
              f"{cold[4]:>7.1f} {cold[2]:>7}")
        plan_ids = ([plan.pk] if "plan's" in label else
                    list(Plan.objects.filter(state__in=["dispatched", "closed"])
                         .values_list("pk", flat=True)))
        floor = _timed(lambda plan_ids=plan_ids: _floor(plan_ids, today), args.runs,
                       args.warmup)
        print(f"{'  … SQL floor (3 queries)':32} {floor[0]:>9.1f} {floor[1]:>8.1f} "
              f"{floor[4]:>7.1f} {floor[2]:>7}   page / floor: warm {median / floor[0]:.2f}, "
              f"cold {cold[0] / floor[0]:.2f}")
    if args.no_sweep:
        return

    runs = args.sweep_runs
    median, p95, queries, result, cpu = _timed(
        lambda: reminders_sweep(today, dry_run=True, flush=False), runs, warmup=0)
    print(f"{'sweep, dry run':32} {median:>9.1f} {p95:>8.1f} {cpu:>7.1f} {queries:>7}   "
          f"({runs} runs; {len(result.digests)} digests, "
          f"{sum(len(d.items) for d in result.digests)} items)")
    try:
        with transaction.atomic():
            start, start_cpu = time.perf_counter(), time.process_time()
            result = reminders_sweep(today, flush=False)
            sweep_ms = (time.perf_counter() - start) * 1000
            sweep_cpu = (time.process_time() - start_cpu) * 1000
            start = time.perf_counter()
            sent = outbox_flush(batch=100)
            flush_ms = (time.perf_counter() - start) * 1000
            raise Rollback
    except Rollback:
        pass
    print(f"{'sweep, queueing (rolled back)':32} {sweep_ms:>9.1f} {'':>8} {sweep_cpu:>7.1f}   "
          f"(once; {result.messages_created} digests)")
    print(f"{'outbox flush, locmem mail':32} {flush_ms:>9.1f} {'':>8} {'':>7}   "
          f"(once; {dict(sent)})")


if __name__ == "__main__":
    main()
