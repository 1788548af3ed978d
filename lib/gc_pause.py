"""Pausing Python's cyclic garbage collector around a batch that makes millions of objects.

The collector runs whenever allocations outnumber deallocations by a threshold; a batch that
keeps hundreds of thousands of objects alive (the province's sweep: the ledger, 140,000 reminder
items) sets it off again and again, each time walking every object still alive — a fifth of
the sweep's time, to find no garbage. Reference counting still frees what is dropped; cycles
made meanwhile are collected by the next run after the pause.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collection_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
