"""URLs of the caseworker's workspace (`fachkraft/`), grouped by the part of it they belong to."""

from django.urls import include, path

from frontend.staff import (
    appointment,
    availability,
    booking,
    days,
    figures,
    group_sessions,
    invitations,
    own_calendar,
    privacy,
    reassign,
)

appointment_urls = [
    path("", appointment.detail, name="appointment"),
    path("kontakt/", appointment.contact, name="appointment-contact"),
    path("verschieben/", appointment.reschedule, name="appointment-reschedule"),
    path("absagen/", appointment.cancel, name="appointment-cancel"),
    path("ergebnis/", days.outcome, name="outcome"),
    path("dolmetschen/", appointment.interpreter_request, name="appointment-interpreter"),
    path(
        "dolmetschen/absagen/",
        appointment.interpreter_request_cancel,
        name="appointment-interpreter-cancel",
    ),
]

booking_urls = [
    path("", booking.book, name="book"),
    path("<uuid:draft>/anliegen/", booking.request_step, name="book-request"),
    path("<uuid:draft>/zeit/", booking.time_step, name="book-time"),
    path("<uuid:draft>/bestaetigen/", booking.confirm, name="book-confirm"),
    path("<uuid:draft>/gebucht/", booking.done, name="book-done"),
]

availability_urls = [
    path("", availability.availability, name="availability"),
    path("<str:kind>/<int:pk>/entfernen/", availability.remove, name="availability-remove"),
    path("abwesenheiten/<int:pk>/uebertragen/", reassign.reassign, name="absence-reassign"),
]

closure_urls = [
    path("", availability.closures, name="closures"),
    path("<int:pk>/entfernen/", availability.closure_remove, name="closure-remove"),
]

privacy_urls = [
    path("", privacy.privacy, name="privacy"),
    path("kunde/<int:client_id>/", privacy.privacy_client, name="privacy-client"),
    path("kunde/<int:client_id>/export/", privacy.privacy_export, name="privacy-export"),
    path("kunde/<int:client_id>/loeschen/", privacy.privacy_erase, name="privacy-erase"),
]

invitation_urls = [
    path("", invitations.invitations, name="invitations"),
    path("briefe/", invitations.print_letters, name="invitation-letters"),
    path("import/", invitations.import_list, name="invitation-import"),
    path("<int:invitation_id>/zurueckziehen/", invitations.revoke, name="invitation-revoke"),
    path("<int:invitation_id>/brief/", invitations.reprint, name="invitation-reprint"),
]

app_name = "staff"
urlpatterns = [
    path("", days.day, name="day"),
    path("woche/", days.week, name="week"),
    path("team/", days.team, name="team"),
    path("kalender/neu/", days.reset_feed, name="feed-reset"),
    path("mein-kalender/", own_calendar.own_calendar, name="own-calendar"),
    path("mein-kalender/lesen/", own_calendar.read_now, name="own-calendar-read"),
    path("mein-kalender/entfernen/", own_calendar.remove, name="own-calendar-remove"),
    path("termin/<int:appointment_id>/", include(appointment_urls)),
    path("buchen/", include(booking_urls)),
    path("verfuegbarkeit/", include(availability_urls)),
    path("schliesstage/", include(closure_urls)),
    path("zahlen/", figures.figures, name="figures"),
    path("zahlen.csv", figures.figures_csv, name="figures-csv"),
    path("datenschutz/", include(privacy_urls)),
    path("protokoll/", privacy.audit, name="audit"),
    path("einladen/", invitations.invite, name="invite"),
    path("einladungen/", include(invitation_urls)),
    path("gruppen/", group_sessions.group_sessions, name="group-sessions"),
    path("gruppen/<int:session_id>/", group_sessions.group_session, name="group-session"),
    path("gruppen/<int:session_id>/absagen/", group_sessions.cancel, name="group-session-cancel"),
    path(
        "gruppen/<int:session_id>/dolmetschen/", group_sessions.interpreter, name="group-session-interpreter"
    ),
    path(
        "gruppen/<int:session_id>/dolmetschen/entfernen/",
        group_sessions.interpreter_remove,
        name="group-session-interpreter-remove",
    ),
]
