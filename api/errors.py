"""A refused change answers 400 with the service's message; one lost to a concurrent change,
409. Never a 500: the services' refusals are WorkflowError, worded for the user."""
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workflow.errors import StaleObject, WorkflowError


def exception_handler(exc, context):
    if isinstance(exc, StaleObject):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, WorkflowError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
