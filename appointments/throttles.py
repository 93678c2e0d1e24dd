"""Rate limits for the endpoints outside the REST API (Twilio's webhooks), per client address.

They share the API's rates (settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), its cache and
its way of finding the client's address behind the proxy (NUM_PROXIES; IPv6 per /64, services.limits).
"""

import functools
import math

from django.http import HttpResponse

from appointments.services.limits import RateCount, address


def webhook_throttle(view):
    """Answer 429 with Retry-After once an address exceeds the webhook rate, before any other work."""

    @functools.wraps(view)
    def throttled(request, *args, **kwargs):
        throttle = RateCount("webhook", address(request))
        if not throttle.allow_request(request, None):
            response = HttpResponse("too many requests", status=429, content_type="text/plain")
            response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
            return response
        return view(request, *args, **kwargs)

    return throttled
