"""A task for tests/test_logging.py: a real worker loads it with `--include` and runs it."""
import logging

from celery import shared_task
from celery.utils.log import get_task_logger

task_logger = get_task_logger(__name__)


@shared_task(name="tests.log_lines")
def log_lines(marker: str) -> None:
    """One line through Celery's task logger, one through an application logger."""
    task_logger.info("task logger says %s", marker)
    logging.getLogger("duban.test").info("duban logger says %s", marker)
