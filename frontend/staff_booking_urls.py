"""URLs of the staff booking pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_booking

urlpatterns = [
    path("buchen/", staff_booking.book, name="book"),
    path("buchen/<uuid:draft>/anliegen/", staff_booking.request_step, name="book-request"),
    path("buchen/<uuid:draft>/zeit/", staff_booking.time_step, name="book-time"),
    path("buchen/<uuid:draft>/bestaetigen/", staff_booking.confirm, name="book-confirm"),
    path("buchen/<uuid:draft>/gebucht/", staff_booking.done, name="book-done"),
]
