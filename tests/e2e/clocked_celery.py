"""`celery` on the test's clock: the end-to-end tests start their workers through this script,
so that a worker's clock (the sweep it catches up, the outbox's retries and daily cap) runs as
the test's does, also under `pytest --clock` (tests/conftest.py): DUBAN_TEST_CLOCK_OFFSET is
how far, in seconds, the test's clock stands from the real one.
"""
import os
import sys
import time

if __name__ == "__main__":
    offset = float(os.environ.get("DUBAN_TEST_CLOCK_OFFSET") or 0)
    if offset:
        import time_machine

        time_machine.travel(time.time() + offset, tick=True).start()
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
