"""URLs of the interpreter's page."""

from django.urls import path

from frontend import interpreter

app_name = "interpreter"
urlpatterns = [
    path("", interpreter.overview, name="overview"),
    path("zahlen/", interpreter.figures, name="figures"),
    path("kalender/neu/", interpreter.reset_feed, name="feed-reset"),
    path("<int:request_id>/annehmen/", interpreter.accept, name="accept"),
    path("<int:request_id>/ablehnen/", interpreter.decline, name="decline"),
    path("<int:request_id>/zurueckgeben/", interpreter.withdraw, name="withdraw"),
]
