"""Routes of the REST API under /api/v1/."""

from django.urls import path, re_path

from appointments.api import views

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
    # Last: any other address under /api/v1/ ending in a slash is a JSON 404, not the site's HTML page.
    # (Without the slash, CommonMiddleware's redirect to the slashed address still applies.)
    re_path(r"^(?:.*/)?$", views.not_found),
]
