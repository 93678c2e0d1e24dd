"""Rate limits of the API, by scope, from settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]."""

from rest_framework import throttling
from rest_framework.settings import api_settings

from appointments.services.limits import address


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, reading the rates when asked rather than once at import.

    DRF copies the rates into a class attribute when it is first imported, so a changed
    setting (a test's override, a reloaded configuration) would otherwise never apply.
    """

    @property
    def THROTTLE_RATES(self):
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        # The booking pages count under the same key (services.limits): IPv6 per /64.
        return address(request)
