"""Routes of the video page (include them at the site's root)."""

from django.urls import path

from realtime import views

app_name = "realtime"
urlpatterns = [
    path("video/raum/<str:room>/", views.staff_call, name="staff-call"),
    path("video/raum/<str:room>/anrufen/", views.phone_call, name="phone-call"),
    path("video/raum/<str:room>/entfernen/", views.remove_participant, name="remove"),
    path("video/raum/<str:room>/stummschalten/", views.mute_participant, name="mute"),
    path("video/<str:reference>/<str:token>/", views.client_call, name="client-call"),
]
