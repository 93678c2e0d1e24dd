"""URLs of the staff figures pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_figures

urlpatterns = [
    path("zahlen/", staff_figures.figures, name="figures"),
    path("zahlen.csv", staff_figures.figures_csv, name="figures-csv"),
]
