"""Routes for Twilio's webhooks, private calendar feeds and the development outbox."""

from django.urls import path

from appointments import views

urlpatterns = [
    path("webhooks/twilio/sms-status/", views.sms_status, name="twilio-sms-status"),
    path("webhooks/twilio/sms-inbound/", views.sms_inbound, name="twilio-sms-inbound"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("dev/outbox/", views.dev_outbox, name="dev-outbox"),
    path("dev/outbox/<str:name>/invite.ics", views.dev_outbox_invite, name="dev-outbox-invite"),
]
