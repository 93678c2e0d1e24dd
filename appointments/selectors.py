"""Reads of the domain that pages and the API share."""

from django.db.models import QuerySet

from appointments.models import Topic


def bookable_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(active=True).select_related("office")
