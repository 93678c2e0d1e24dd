"""Routes for Twilio Voice's webhooks (include them at the site's root)."""

from django.urls import path

from appointments import voice_views

urlpatterns = [
    path(
        "webhooks/twilio/voice/<str:room>/<str:role>/twiml/",
        voice_views.voice_twiml,
        name="twilio-voice-twiml",
    ),
    path(
        "webhooks/twilio/voice/<str:room>/<str:role>/status/",
        voice_views.voice_status,
        name="twilio-voice-status",
    ),
]
