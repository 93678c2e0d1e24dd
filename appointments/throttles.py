"""Rate limits for the endpoints outside the REST API (Twilio's webhooks), per client address.

They share the API's rates (settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), its cache and
its way of finding the client's address behind the proxy (NUM_PROXIES).
"""

import functools
import math

from django.http import HttpResponse
from rest_framework import throttling
from rest_framework.settings import api_settings


class WebhookRateThrottle(throttling.SimpleRateThrottle):
    scope = "webhook"

    @property
    def THROTTLE_RATES(self):  # read when asked, like appointments.api.throttling
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def webhook_throttle(view):
    """Answer 429 with Retry-After once an address exceeds the webhook rate, before any other work."""

    @functools.wraps(view)
    def throttled(request, *args, **kwargs):
        throttle = WebhookRateThrottle()
        if not throttle.allow_request(request, None):
            response = HttpResponse("too many requests", status=429, content_type="text/plain")
            response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
            return response
        return view(request, *args, **kwargs)

    return throttled


class InvitationCodeThrottle(WebhookRateThrottle):
    """Typing codes from letters at /e/: a person mistypes a few times, a guesser many."""

    scope = "invitation_code"
