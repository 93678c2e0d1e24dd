"""This issue's URLs (video page, voice webhooks) with the pages they link to, for tests until wired in."""

from django.urls import include, path

urlpatterns = [
    path("", include("appointments.voice_urls")),
    path("", include("realtime.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]
