"""Reloading a django-fsm-2 model whose state field is protected, safely under threads.

django-fsm-2's refresh_from_db lifts `protected` on the state *field* — one object per model
class, shared by every thread of the process — reloads, and puts it back. With gunicorn's gthread
workers two requests refreshing the same kind of row at once interleave: the first to finish
protects the field again while the second is still writing the reloaded state, which then
raises "Direct state modification is not allowed" (seen under the load test: a 500 on 审核通过).
One lock per process around the whole reload makes the lift-reload-protect step atomic.
"""
from __future__ import annotations

import threading

_reload = threading.RLock()  # re-entrant: loading a deferred field reloads from inside a reload


class ThreadSafeRefreshMixin:
    """Put it before django_fsm's ConcurrentTransitionMixin (or FSMModelMixin) in the bases."""

    def refresh_from_db(self, *args, **kwargs):
        with _reload:
            super().refresh_from_db(*args, **kwargs)
