"""Routes of the REST API under /api/v1/."""

from django.urls import path, re_path

from appointments.api import interpreters, invitations, views

urlpatterns = [
    path("topics/", views.TopicListView.as_view(), name="api-topics"),
    path("slots/", views.SlotListView.as_view(), name="api-slots"),
    path("phone-verifications/", views.PhoneVerificationCreateView.as_view(), name="api-phone-verifications"),
    path(
        "phone-verifications/<uuid:verification_id>/confirm/",
        views.PhoneVerificationConfirmView.as_view(),
        name="api-phone-verification-confirm",
    ),
    path("bookings/", views.BookingCreateView.as_view(), name="api-bookings"),
    path("bookings/<str:reference>/", views.BookingDetailView.as_view(), name="api-booking"),
    path(
        "bookings/<str:reference>/reschedule/",
        views.BookingRescheduleView.as_view(),
        name="api-booking-reschedule",
    ),
    path("bookings/<str:reference>/cancel/", views.BookingCancelView.as_view(), name="api-booking-cancel"),
    path(
        "bookings/<str:reference>/calendar.ics",
        views.BookingCalendarView.as_view(),
        name="api-booking-calendar",
    ),
    path("interpreter-requests/", interpreters.OfferListView.as_view(), name="api-interpreter-offers"),
    path(
        "interpreter-requests/assignments/",
        interpreters.AssignmentListView.as_view(),
        name="api-interpreter-assignments",
    ),
    path(
        "interpreter-requests/<int:request_id>/accept/",
        interpreters.AcceptView.as_view(),
        name="api-interpreter-accept",
    ),
    path(
        "interpreter-requests/<int:request_id>/decline/",
        interpreters.DeclineView.as_view(),
        name="api-interpreter-decline",
    ),
    path(
        "interpreter-requests/<int:request_id>/withdraw/",
        interpreters.WithdrawView.as_view(),
        name="api-interpreter-withdraw",
    ),
    path("interpreter-figures/", interpreters.FiguresView.as_view(), name="api-interpreter-figures"),
    path("invitations/", invitations.InvitationListView.as_view(), name="api-invitations"),
    # Last: any other address under /api/v1/ ending in a slash is a JSON 404, not the site's HTML page.
    # (Without the slash, CommonMiddleware's redirect to the slashed address still applies.)
    # [\s\S], not `.`: an address with an encoded line break (%0A) is an API address too.
    re_path(r"^(?:[\s\S]*/)?$", views.not_found),
]
