"""Factories for the domain's objects; tests build what they need, nothing from fixture files."""

from datetime import time, timedelta

import factory
from django.contrib.auth import get_user_model

from appointments import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("demo-password-1")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Office

    name = factory.Sequence(lambda n: f"Jobcenter {n}")
    slug = factory.Sequence(lambda n: f"office-{n}")
    state = "HE"
    min_notice = timedelta(hours=2)
    horizon_days = 28
    slot_step_minutes = 15
    require_phone_verification = False


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic

    office = factory.SubFactory(OfficeFactory)
    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")
    duration = timedelta(minutes=30)
    modes = factory.LazyFunction(lambda: ["telephone", "video"])


class CaseworkerFactory(factory.django.DjangoModelFactory):
    """A caseworker who speaks German; `topics=[…]` and `languages=[…]` add more."""

    class Meta:
        model = models.Caseworker
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    display_name = factory.Sequence(lambda n: f"Caseworker {n}")

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.add(*extracted)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            self.languages.add(*(extracted or ["de"]))


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AvailabilityRule

    caseworker = factory.SubFactory(CaseworkerFactory)
    weekday = 0
    start_time = time(9)
    end_time = time(12)
    modes = factory.LazyFunction(lambda: ["telephone", "video"])


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Absence

    caseworker = factory.SubFactory(CaseworkerFactory)
    kind = models.Absence.Kind.HOLIDAY


class ExtraHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ExtraHours

    caseworker = factory.SubFactory(CaseworkerFactory)
    start_time = time(14)
    end_time = time(16)
    modes = factory.LazyFunction(lambda: ["telephone", "video"])


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Client

    name = "Aylin Demir"
    phone = factory.Sequence(lambda n: f"+4915123{n:06d}")
    sms_consent = True


class InterpreterFactory(factory.django.DjangoModelFactory):
    """An interpreter for telephone and video; `languages=["ar", …]` adds the languages they work in."""

    class Meta:
        model = models.Interpreter
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Interpreter {n}")
    phone = factory.Sequence(lambda n: f"+49170111{n:04d}")
    modes = factory.LazyFunction(lambda: ["telephone", "video"])

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ():
                self.languages.create(language_id=code)


def week_of_hours(caseworker, start=time(9), end=time(12), weekdays=range(5), modes=("telephone", "video")):
    """Weekly hours on the given weekdays (Monday to Friday by default)."""
    for weekday in weekdays:
        AvailabilityRuleFactory(
            caseworker=caseworker, weekday=weekday, start_time=start, end_time=end, modes=list(modes)
        )


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written straight to the table (no free-time check, no messages); give `start`.

    The caseworker is one of the topic's office; end and blocked span follow the topic as in
    booking (`Topic.times`: the duration in UTC, widened by the buffers).
    """

    class Meta:
        model = models.Appointment

    reference = factory.Sequence(lambda n: f"F{n:07d}")
    manage_token_hash = "x"
    client = factory.SubFactory(ClientFactory)
    topic = factory.SubFactory(TopicFactory)
    caseworker = factory.SubFactory(CaseworkerFactory, office=factory.SelfAttribute("..topic.office"))
    mode = "video"
    end = factory.LazyAttribute(lambda a: a.topic.times(a.start).end)
    blocked_from = factory.LazyAttribute(lambda a: a.topic.times(a.start).blocked_from)
    blocked_until = factory.LazyAttribute(lambda a: a.topic.times(a.start).blocked_until)


class InterpreterRequestFactory(factory.django.DjangoModelFactory):
    """An interpreter request for `appointment` in its interpreter language (Arabic if it has none)."""

    class Meta:
        model = models.InterpreterRequest

    appointment = factory.SubFactory(AppointmentFactory, interpreter_language="ar")
    language_id = factory.LazyAttribute(lambda r: r.appointment.interpreter_language or "ar")
    blocked_from = factory.SelfAttribute("appointment.start")
    blocked_until = factory.SelfAttribute("appointment.end")
