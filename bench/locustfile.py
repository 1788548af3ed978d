"""The load test of issue 12: agency reporters and office staff working at once.

Run by `bench/load_test.sh` (gunicorn as the README sizes it for 2 cores, then 50 users for 60 s,
headless); by hand: `locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s
--host http://127.0.0.1:8077`. It works as the accounts of `manage.py generate_scale_data`:
reporters `scale-aNNN-reporter` (those with a session, else NNN from 1 to LOAD_AGENCIES) and
the office `scale-office`, four reporters to one office clerk. They start logged in, with the
sessions `bench/load_sessions.py` wrote to var/load/sessions.json (a login hashes the password,
about a second of CPU: fifty at once would measure the hasher); without that file they log in
through the login page (password scale-data-password).

A reporter lists 我的任务 (and its next page), opens a task, saves a draft of a report it may
write and now and then submits it. The office clerk opens the review queue, a report, verifies
it, and opens the dashboards, the overdue list and the task list. Each URL is counted under one
name (`/tasks/[id]`…), so the figures read per endpoint.
"""
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "scale-data-password")
AGENCIES = int(os.environ.get("LOAD_AGENCIES", "300"))
WRITE = re.compile(r'href="/tasks/(\d+)/\?period=(\d+)#report"')
TASK = re.compile(r'href="/tasks/(\d+)/(?:\?period=(\d+))?"')
REPORT = re.compile(r'href="/reports/(\d+)/"')
SESSIONS = Path(__file__).resolve().parent.parent / "var" / "load" / "sessions.json"
SESSION_IDS = json.loads(SESSIONS.read_text()) if SESSIONS.exists() else {}
PLAN = re.compile(r'href="/plans/(\d+)/"')
REPORTERS = sorted(name for name in SESSION_IDS if name.endswith("-reporter"))


class Visitor(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # a person reads the page before the next click
    username = ""

    def log_in(self) -> None:
        if self.username in SESSION_IDS:
            host = self.host.split("://", 1)[-1].split(":")[0]
            self.client.cookies.set("sessionid", SESSION_IDS[self.username], domain=host)
            return
        self.client.get("/accounts/login/", name="/accounts/login/")
        with self.client.post("/accounts/login/", {
            "username": self.username, "password": PASSWORD,
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
        }, name="/accounts/login/ (POST)", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"{self.username} could not log in")

    def post(self, url: str, data: dict, name: str):
        token = self.client.cookies.get("csrftoken", "")
        return self.client.post(url, {**data, "csrfmiddlewaretoken": token}, name=name,
                                headers={"X-CSRFToken": token})


class Reporter(Visitor):
    weight = 4

    def on_start(self) -> None:
        # A reporter of the data loaded: those bench/load_sessions.py found (10 plans have 60
        # agencies, 100 plans 300), else scale-aNNN-reporter up to LOAD_AGENCIES.
        self.username = (random.choice(REPORTERS) if REPORTERS
                         else f"scale-a{random.randint(1, AGENCIES):03d}-reporter")
        self.log_in()
        self.writable, self.task_links = [], []
        self.my_tasks()

    @task(4)
    def my_tasks(self) -> None:
        with self.client.get("/my/", name="/my/", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"{self.username} is not logged in")
        html = response.text
        self.writable = WRITE.findall(html)
        self.task_links = TASK.findall(html)

    @task(1)
    def my_tasks_next_page(self) -> None:
        self.client.get("/my/?tab=lead&page=2", name="/my/?page=2")

    @task(1)
    def supporting_tab(self) -> None:
        self.client.get("/my/?tab=supporting", name="/my/?tab=supporting")

    @task(4)
    def open_task(self) -> None:
        if self.task_links:
            pk, period = random.choice(self.task_links)
            self.client.get(f"/tasks/{pk}/" + (f"?period={period}" if period else ""),
                            name="/tasks/[id]/")

    @task(3)
    def save_draft(self) -> None:
        self.write("save")

    @task(1)
    def submit(self) -> None:
        self.write("submit")

    def write(self, action: str) -> None:
        if not self.writable:
            return
        pk, period = random.choice(self.writable)
        self.client.get(f"/tasks/{pk}/?period={period}", name="/tasks/[id]/")
        self.post(f"/tasks/{pk}/report/", {
            "period": period, "action": action, "completion": "in_progress",
            "progress": "按计划推进，本期完成阶段性工作。", "problems": "",
            "next_steps": "继续推进。",
        }, name=f"/tasks/[id]/report/ ({action})")
        if action == "submit":
            self.writable.remove((pk, period))


class OfficeClerk(Visitor):
    weight = 1

    def on_start(self) -> None:
        self.username = "scale-office"
        self.log_in()
        self.reports = []
        self.plans = PLAN.findall(self.client.get("/plans/", name="/plans/").text)
        self.review_queue()

    @task(4)
    def review_queue(self) -> None:
        page = random.choice(["", "?page=2"])
        self.reports = REPORT.findall(self.client.get(f"/review/{page}", name="/review/").text)

    @task(3)
    def verify(self) -> None:
        if not self.reports:
            return
        pk = self.reports.pop(random.randrange(len(self.reports)))
        self.client.get(f"/reports/{pk}/", name="/reports/[id]/")
        self.post(f"/reports/{pk}/verify/", {"comment": "已审核。"}, name="/reports/[id]/verify/")

    @task(1)
    def all_plans_dashboard(self) -> None:
        self.client.get("/supervision/dashboard/", name="/supervision/dashboard/")

    @task(2)
    def plan_dashboard(self) -> None:
        if self.plans:
            self.client.get(f"/supervision/plans/{random.choice(self.plans)}/dashboard/",
                            name="/supervision/plans/[id]/dashboard/")

    @task(1)
    def overdue(self) -> None:
        self.client.get("/overdue/", name="/overdue/")

    @task(1)
    def red_tasks(self) -> None:
        self.client.get("/supervision/tasks/?light=red", name="/supervision/tasks/?light=red")
