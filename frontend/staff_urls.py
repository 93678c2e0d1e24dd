"""URLs of the caseworker's pages."""

from django.urls import path

from frontend import staff

app_name = "staff"
urlpatterns = [
    path("", staff.day, name="day"),
    path("termin/<int:appointment_id>/ergebnis/", staff.outcome, name="outcome"),
]
