"""URLs of the client's pages: the booking steps, managing a booking, and the accessibility statement."""

from django.urls import path

from frontend.public import invitations, views

app_name = "frontend"
urlpatterns = [
    path("", views.home, name="home"),
    path("termin/art/", views.mode, name="mode"),
    path("termin/sprache/", views.language, name="language"),
    path("termin/zeit/", views.time_step, name="time"),
    path("termin/angaben/", views.details, name="details"),
    path("termin/code/", views.code, name="code"),
    path("termin/fertig/", views.done, name="done"),
    # The private link from the confirmation page and the messages.
    path("b/<str:reference>/<str:token>/", views.manage, name="manage"),
    path("b/<str:reference>/<str:token>/zeit/", views.reschedule, name="reschedule"),
    path("b/<str:reference>/<str:token>/absagen/", views.cancel, name="cancel"),
    # Without the link: booking code, mobile number and an SMS code.
    path("m/", views.find_booking, name="find"),
    path("m/code/", views.find_code, name="find-code"),
    path("m/termin/", views.found_manage, name="found-manage"),
    path("m/termin/zeit/", views.found_reschedule, name="found-reschedule"),
    path("m/termin/absagen/", views.found_cancel, name="found-cancel"),
    # The short link in SMS and e-mails (appointments.services.calendar.manage_url).
    path("m/<str:token>", views.manage_by_token, name="manage-short"),
    path("m/<str:token>/", views.manage_by_token),
    # Invitations (appointments.services.invitations.invitation_link): the code from a letter, the link.
    path("e/", invitations.enter_code, name="invitation-code"),
    path("e/<str:token>", invitations.invitation, name="invitation-short"),
    path("e/<str:token>/", invitations.invitation, name="invitation"),
    path("e/<str:token>/zeit/", invitations.choose_time, name="invitation-time"),
    path("e/<str:token>/absagen/", invitations.decline, name="invitation-decline"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
]
