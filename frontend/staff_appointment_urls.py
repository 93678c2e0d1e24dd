"""URLs of the staff appointment pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_appointment

urlpatterns = [
    path("termin/<int:appointment_id>/", staff_appointment.detail, name="appointment"),
    path("termin/<int:appointment_id>/kontakt/", staff_appointment.contact, name="appointment-contact"),
    path(
        "termin/<int:appointment_id>/verschieben/",
        staff_appointment.reschedule,
        name="appointment-reschedule",
    ),
    path("termin/<int:appointment_id>/absagen/", staff_appointment.cancel, name="appointment-cancel"),
    path(
        "termin/<int:appointment_id>/dolmetschen/",
        staff_appointment.interpreter_request,
        name="appointment-interpreter",
    ),
    path(
        "termin/<int:appointment_id>/dolmetschen/absagen/",
        staff_appointment.interpreter_request_cancel,
        name="appointment-interpreter-cancel",
    ),
]
