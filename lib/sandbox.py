"""Run a function in a forked child with CPU-time and memory limits (resource.setrlimit).

For work on untrusted input whose cost cannot all be bounded beforehand (a parser library's
internals): whatever the input does, the caller's process keeps its memory and gets an answer
within the limits. The child is forked, so it needs nothing re-imported and the function may be
any callable; it must not use the parent's database connections (the child leaves with
os._exit, which closes none of them). Its result or exception comes back pickled.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import traceback
from collections.abc import Callable
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


class LimitedRunFailed(Exception):
    """The child was stopped by a limit or died: reason is "memory", "time" or "crashed"."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * _PAGE


def _child(connection, func, args, cpu_seconds: int, memory_bytes: int) -> None:
    # The child starts as a copy of the parent: it may grow by memory_bytes from there.
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        result = ("ok", func(*args))
    except MemoryError:
        result = ("memory", "")
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
        result = ("raised", exc, traceback.format_exc())
    try:
        connection.send(result)
    except MemoryError:
        connection.send(("memory", ""))
    except Exception as exc:  # an unpicklable exception: its text still reaches the parent
        connection.send(("crashed", f"{type(exc).__name__}: {exc}"))
    connection.close()


def run_limited(func: Callable[..., Any], *args: Any, cpu_seconds: int, memory_bytes: int,
                wall_seconds: float) -> Any:
    """func(*args) in a child limited to cpu_seconds of CPU and memory_bytes more memory than
    the parent has; killed after wall_seconds. Returns its result or raises its exception."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    # Not a daemon: a daemonic process may not have children of its own, and this one is
    # always joined (or killed) below.
    child = context.Process(target=_child, args=(sending, func, args, cpu_seconds, memory_bytes))
    child.start()
    sending.close()
    try:
        if not receiving.poll(wall_seconds):
            raise LimitedRunFailed("time" if child.is_alive() else _death(child))
        try:
            message = receiving.recv()
        except EOFError:  # it died before answering: killed by SIGXCPU/SIGKILL, or crashed
            child.join(1)
            raise LimitedRunFailed(_death(child)) from None
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "raised":
        raise message[1]
    raise LimitedRunFailed(kind, message[1])


def _death(child) -> str:
    code = child.exitcode
    if code is not None and code < 0 and -code in (_signal("SIGXCPU"), _signal("SIGKILL")):
        return "time"
    return "crashed"


def _signal(name: str) -> int:
    import signal

    return int(getattr(signal, name))
