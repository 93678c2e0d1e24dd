"""URLs of the interpreter's page."""

from django.urls import path

from frontend.interpreter import views

app_name = "interpreter"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("zahlen/", views.figures, name="figures"),
    path("kalender/neu/", views.reset_feed, name="feed-reset"),
    path("<int:request_id>/annehmen/", views.accept, name="accept"),
    path("<int:request_id>/ablehnen/", views.decline, name="decline"),
    path("<int:request_id>/zurueckgeben/", views.withdraw, name="withdraw"),
]
