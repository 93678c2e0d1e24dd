"""Site-wide middleware: a lost database connection is a short 503, an overlong address a 414, a bad
date in an address a 400, a domain NotFound a 404."""

import logging

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from appointments.exceptions import InvalidDate, NotFound

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turn OperationalError/InterfaceError from a view into 503 with Retry-After.

    The broken connection is closed here, so the next request opens a fresh one even where
    nothing else would close it (persistent connections, the test client).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable during %s %s", request.method, request.path, exc_info=True)
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:  # (only a test's transaction is still open here)
                connection.close_if_unusable_or_obsolete()
        message = _("The service is briefly unavailable. Please try again in a moment.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class QueryStringLimitMiddleware:
    """Refuse a query string longer than MAX_QUERY_STRING_LENGTH with 414, before any parsing.

    nginx refuses far longer request lines; this keeps the work a long query could cause small.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("QUERY_STRING", "")) <= settings.MAX_QUERY_STRING_LENGTH:
            return self.get_response(request)
        message = _("The address is too long.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=414)
        return HttpResponse(message, status=414, content_type="text/plain; charset=utf-8")


class DomainErrorMiddleware:
    """Pages answer the domain's refusals the web's way, in the user's language.

    NotFound (no such thing, or not yours) is Django's 404. A date it cannot use (appointments.dates)
    is a 400 page that says what is wrong and links back to itself without the query, which shows
    today. (The API's own exception handler answers both as JSON.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception.message)))
        if not isinstance(exception, InvalidDate):
            return None
        message = str(exception.message)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        context = {"message": message, "back_url": request.path}
        return render(request, "frontend/bad_date.html", context, status=400)
