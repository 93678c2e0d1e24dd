"""HTTP endpoints outside the REST API: Twilio webhooks, calendar feeds, the dev outbox."""

import functools
import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from appointments.selectors import upcoming_appointments_for
from appointments.services.calendar import build_feed, feed_owner
from appointments.services.outbox.delivery_status import record_delivery_status
from appointments.services.sms_replies import handle_inbound_sms
from appointments.throttles import webhook_throttle


def twilio_signature_required(view):
    """Refuse requests whose X-Twilio-Signature does not match our public URL and auth token."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        signature = request.headers.get("X-Twilio-Signature", "")
        url = f"{settings.SITE_URL}{request.get_full_path()}"
        validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        if (
            not settings.TWILIO_AUTH_TOKEN
            or not signature
            or not validator.validate(url, request.POST, signature)
        ):
            return HttpResponseForbidden("invalid signature")
        return view(request, *args, **kwargs)

    return checked


def _empty_twiml() -> HttpResponse:
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")


@csrf_exempt
@require_POST
@webhook_throttle
@twilio_signature_required
def sms_status(request):
    code = request.POST.get("ErrorCode", "")
    record_delivery_status(
        message_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", "").lower(),
        error_code=int(code) if code.isdigit() else None,
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
@webhook_throttle
@twilio_signature_required
def sms_inbound(request):
    handle_inbound_sms(
        sender=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        message_id=request.POST.get("MessageSid", ""),
    )
    return _empty_twiml()


@require_GET
def calendar_feed(request, token):
    owner = feed_owner(token)
    if owner is None:
        raise Http404
    response = HttpResponse(build_feed(owner, upcoming_appointments_for(owner)), content_type="text/calendar")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _outbox() -> Path:
    if not settings.DEBUG or not settings.OUTBOX_DIR:
        raise Http404
    return Path(settings.OUTBOX_DIR)


@require_GET
def dev_outbox(request):
    """Every SMS and e-mail the console back ends "sent", newest first (DEBUG only)."""
    folder = _outbox()
    entries = []
    for path in sorted(folder.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True)[:200]:
        if path.suffix == ".json":
            record = json.loads(path.read_text())
            entries.append(
                {"kind": "SMS", "to": record["to"], "body": record["body"], "at": record["at"], "name": None}
            )
        elif path.suffix == ".eml":
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            body = message.get_body(preferencelist=("plain",))
            has_invite = any(part.get_content_type() == "text/calendar" for part in message.walk())
            entries.append(
                {
                    "kind": "E-Mail",
                    "to": message["To"],
                    "subject": message["Subject"],
                    "body": body.get_content() if body else "",
                    "at": message["Date"],
                    "name": path.name if has_invite else None,
                }
            )
    return render(request, "appointments/outbox.html", {"entries": entries})


@require_GET
def dev_outbox_invite(request, name):
    path = _outbox() / Path(name).name
    if path.suffix != ".eml" or not path.exists():
        raise Http404
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return HttpResponse(part.get_content(), content_type="text/calendar")
    raise Http404
