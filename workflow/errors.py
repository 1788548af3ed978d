"""The workflow's refusals: what services raise and views show as a message."""


class WorkflowError(Exception):
    """A refusal, worded for the user."""


class StaleObject(WorkflowError):
    """Someone else changed the object first; nothing of this attempt was saved."""
