"""The pages the law asks for: imprint (§ 5 DDG), privacy notice (Art. 13 GDPR), accessibility statement."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from appointments.services.legal import legal_offices, uses_twilio


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (BITV 2.0) with an e-mail link to report a barrier."""
    feedback_email = getattr(settings, "ACCESSIBILITY_FEEDBACK_EMAIL", settings.DEFAULT_FROM_EMAIL)
    return render(
        request,
        "frontend/accessibility.html",
        {
            "feedback_email": feedback_email,
            "feedback_subject": _("A barrier on the booking pages"),
            "offices": legal_offices(),
        },
    )


def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/imprint.html", {"offices": legal_offices()})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/privacy.html", {"offices": legal_offices(), "twilio": uses_twilio()})
