"""Celery tasks of notifications: the outbox flush (defined beside what it runs, in
outbox.py, under this module's name). All of duban's beat entries are listed in
workflow/tasks.py.
"""
from .outbox import RETRY, flush_outbox  # noqa: F401  (autodiscovered here by Celery)
