"""URLs of the caseworker's pages; each part of the workspace keeps its own module."""

from django.urls import include, path

from frontend import staff

app_name = "staff"
urlpatterns = [
    path("", staff.day, name="day"),
    path("woche/", staff.week, name="week"),
    path("team/", staff.team, name="team"),
    path("kalender/neu/", staff.reset_feed, name="feed-reset"),
    path("termin/<int:appointment_id>/ergebnis/", staff.outcome, name="outcome"),
    path("", include("frontend.staff_appointment_urls")),
    path("", include("frontend.staff_booking_urls")),
    path("", include("frontend.staff_availability_urls")),
    path("", include("frontend.staff_figures_urls")),
    path("", include("frontend.staff_privacy_urls")),
    path("", include("frontend.staff_invitation_urls")),
]
