"""Page views; the booking pages build on the services in appointments/."""

from django.shortcuts import render

from appointments.selectors import bookable_topics


def home(request):
    return render(request, "frontend/home.html", {"topics": bookable_topics()})
