"""Twilio Voice webhooks: the conference TwiML for each leg and its status callbacks, signatures checked."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from appointments.services.calls import CallRefused, conference_twiml, record_voice_status
from appointments.throttles import webhook_throttle
from appointments.views import twilio_signature_required


@csrf_exempt
@require_POST
@webhook_throttle
@twilio_signature_required
def voice_twiml(request, room, role):
    try:
        twiml = conference_twiml(room=room, role=role)
    except CallRefused:
        response = VoiceResponse()
        response.hangup()
        twiml = str(response)
    return HttpResponse(twiml, content_type="text/xml")


@csrf_exempt
@require_POST
@webhook_throttle
@twilio_signature_required
def voice_status(request, room, role):
    try:
        record_voice_status(room=room, role=role, status=request.POST.get("CallStatus", "").lower())
    except CallRefused:
        return HttpResponse(status=404)
    return HttpResponse(status=204)
