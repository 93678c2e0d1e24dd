"""URLs of the staff availability pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_availability, staff_reassign

urlpatterns = [
    path("verfuegbarkeit/", staff_availability.availability, name="availability"),
    path(
        "verfuegbarkeit/<str:kind>/<int:pk>/entfernen/",
        staff_availability.remove,
        name="availability-remove",
    ),
    path(
        "verfuegbarkeit/abwesenheiten/<int:pk>/uebertragen/",
        staff_reassign.reassign,
        name="absence-reassign",
    ),
    path("schliesstage/", staff_availability.closures, name="closures"),
    path("schliesstage/<int:pk>/entfernen/", staff_availability.closure_remove, name="closure-remove"),
]
