"""One JSON error shape for the API: {"detail": …} or field errors, never an HTML page."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from appointments.api.parsers import BodyTooLarge
from appointments.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def _nest(field: str, message: str) -> dict:
    """`client.phone` → {"client": {"phone": [message]}}, like DRF's nested field errors."""
    head, _dot, rest = field.partition(".")
    return {head: _nest(rest, message) if rest else [message]}


def _refused_request(exc: SuspiciousOperation) -> Response:
    """Django's own request limits (DATA_UPLOAD_MAX_*), met while reading the request: the client's fault."""
    if isinstance(exc, RequestDataTooBig):
        too_large = BodyTooLarge()
        return Response({"detail": too_large.detail}, status=too_large.status_code)
    if isinstance(exc, TooManyFieldsSent):
        message = _("The request has too many parameters.")
    else:
        message = _("The request could not be understood.")
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        message = str(exc.message)
        body = _nest(exc.field, message) if exc.field and exc.status_code == 400 else {"detail": message}
        if exc.field and exc.status_code != 400:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, OperationalError | InterfaceError):
        return None  # re-raised: backend.middleware answers 503 and drops the broken connection
    if isinstance(exc, SuspiciousOperation):
        return _refused_request(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error in %s", type(context.get("view")).__name__)
        return Response(
            {"detail": _("Something went wrong on our side. Please try again later.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response
