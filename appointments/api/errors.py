"""One JSON error shape for the API: {"detail": …} or field errors, never an HTML page."""

import logging

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from appointments.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def _nest(field: str, message: str) -> dict:
    """`client.phone` → {"client": {"phone": [message]}}, like DRF's nested field errors."""
    head, _dot, rest = field.partition(".")
    return {head: _nest(rest, message) if rest else [message]}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        message = str(exc.message)
        body = _nest(exc.field, message) if exc.field and exc.status_code == 400 else {"detail": message}
        if exc.field and exc.status_code != 400:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error in %s", type(context.get("view")).__name__)
        return Response(
            {"detail": _("Something went wrong on our side. Please try again later.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response
