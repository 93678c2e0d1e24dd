"""URLs of the client's pages: the booking steps, managing a booking, and the legal pages."""

from django.urls import path

from frontend.public import booking, find, invitations, legal, manage

app_name = "frontend"
urlpatterns = [
    path("", booking.home, name="home"),
    path("termin/art/", booking.mode, name="mode"),
    path("termin/sprache/", booking.language, name="language"),
    path("termin/zeit/", booking.time_step, name="time"),
    path("termin/angaben/", booking.details, name="details"),
    path("termin/code/", booking.code, name="code"),
    path("termin/fertig/", booking.done, name="done"),
    # The private link from the confirmation page and the messages.
    path("b/<str:reference>/<str:token>/", manage.by_link(manage.show), name="manage"),
    path("b/<str:reference>/<str:token>/zeit/", manage.by_link(manage.reschedule), name="reschedule"),
    path("b/<str:reference>/<str:token>/absagen/", manage.by_link(manage.cancel), name="cancel"),
    # Without the link: booking code, mobile number and an SMS code.
    path("m/", find.find_booking, name="find"),
    path("m/code/", find.find_code, name="find-code"),
    path("m/termin/", manage.by_session(manage.show), name="found-manage"),
    path("m/termin/zeit/", manage.by_session(manage.reschedule), name="found-reschedule"),
    path("m/termin/absagen/", manage.by_session(manage.cancel), name="found-cancel"),
    # The short link in SMS and e-mails (appointments.services.calendar.manage_url).
    path("m/<str:token>", manage.manage_by_token, name="manage-short"),
    path("m/<str:token>/", manage.manage_by_token),
    # Invitations (appointments.services.invitations.invitation_link): the code from a letter, the link.
    path("e/", invitations.enter_code, name="invitation-code"),
    path("e/<str:token>", invitations.invitation, name="invitation-short"),
    path("e/<str:token>/", invitations.invitation, name="invitation"),
    path("e/<str:token>/zeit/", invitations.choose_time, name="invitation-time"),
    path("e/<str:token>/absagen/", invitations.decline, name="invitation-decline"),
    path("barrierefreiheit/", legal.accessibility, name="accessibility"),
    path("impressum/", legal.imprint, name="imprint"),
    path("datenschutz/", legal.privacy, name="privacy"),
]
