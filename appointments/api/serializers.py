"""Small input and output serializers, one pair per operation; unknown fields are an error."""

import unicodedata
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.api.fields import NamedChoiceField, SlugLookupField
from appointments.models import Appointment, InterpreterRequest, Language, Mode, Topic
from appointments.selectors import self_bookable_topics
from appointments.services.availability import bookable_window
from appointments.services.content import localized

MAX_SLOT_RANGE_DAYS = 31
DEFAULT_SLOT_RANGE_DAYS = 7


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error and not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its UTC offset; a bare local time is ambiguous."""

    default_error_messages = {
        "offset": _("Give the time with its UTC offset, for example 2026-12-01T09:00:00+01:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("offset")
        return super().to_internal_value(value)


class LocalizedField(serializers.CharField):
    """An office's text in the request's language (Accept-Language), German where it is not translated."""

    def __init__(self, field: str, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.text_field = field

    def to_representation(self, value) -> str:
        return localized(value, self.text_field).text


class TopicSerializer(serializers.ModelSerializer):
    """A bookable topic with its duration and the modes it can be held in, named in the request's language."""

    name = LocalizedField("name")
    description = LocalizedField("description")
    duration_minutes = serializers.IntegerField(source="minutes")
    modes = serializers.ListField(child=NamedChoiceField(schema_name="Mode", choices=Mode.choices))
    office = serializers.CharField(source="office.slug")

    class Meta:
        model = Topic
        fields = ["slug", "name", "description", "duration_minutes", "modes", "office"]


class TopicField(SlugLookupField):
    """A topic the public API offers: invitation-only topics are not found here."""

    default_error_messages = {
        "does_not_exist": _("There is no bookable topic “{value}”."),
        "invalid": _("Choose a topic."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=self_bookable_topics(), **kwargs)


def _days_after(day: date, days: int) -> date:
    """The day `days` later, or the last day of the calendar."""
    return day + timedelta(days=days) if (date.max - day).days >= days else date.max


class SlotQuerySerializer(StrictSerializer):
    """The slot query; without dates it asks for a week from the first day one can book
    (from `now` in the context, if given).

    The validated range is cut to the days the office lets anyone book (it may come out
    empty, `date_from` after `date_to`), so that far-off dates cost nothing and never overflow.
    """

    topic = TopicField()
    mode = NamedChoiceField(schema_name="Mode", choices=Mode.choices, required=False)
    language = serializers.CharField(max_length=12, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        office = attrs["topic"].office
        earliest, latest = bookable_window(office, self.context.get("now") or timezone.now())
        first_bookable = earliest.astimezone(office.zone).date()
        last_bookable = (latest.astimezone(office.zone) - timedelta(days=1)).date()
        date_from = attrs.get("date_from") or first_bookable
        date_to = attrs.get("date_to") or _days_after(date_from, DEFAULT_SLOT_RANGE_DAYS - 1)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("The end date lies before the start date.")]})
        if (date_to - date_from).days + 1 > MAX_SLOT_RANGE_DAYS:
            raise serializers.ValidationError(
                {"date_to": [_("Ask for at most %(days)d days at a time.") % {"days": MAX_SLOT_RANGE_DAYS}]}
            )
        attrs["date_from"] = max(date_from, first_bookable)
        attrs["date_to"] = min(date_to, last_bookable)
        return attrs


class SlotSerializer(serializers.Serializer):
    """A free start time in the office's zone, with its UTC offset."""

    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    modes = serializers.ListField(child=NamedChoiceField(schema_name="Mode", choices=Mode.choices))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, slot) -> str:
        return slot.start.isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, slot) -> str:
        return slot.end.isoformat()

    def to_representation(self, slot) -> dict:
        # An answer holds hundreds of slots: built directly, not field by field (a tenth of the
        # time); the fields above are what the schema documents and the tests compare with.
        return {"start": self.get_start(slot), "end": self.get_end(slot), "modes": list(slot.modes)}


class LanguageField(SlugLookupField):
    """A language we know, by its code; the texts of the SMS are chosen by it."""

    default_error_messages = {
        "does_not_exist": _("This language is not available."),
        "invalid": _("This language is not available."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Language.objects.all(), **kwargs)


class PhoneVerificationInSerializer(StrictSerializer):
    """The mobile number to send a code to, optionally the language of the SMS, and the topic to
    be booked (its office's calling codes and SMS budget apply; without it the site's)."""

    phone = serializers.CharField(max_length=40)
    language = LanguageField(required=False)
    topic = TopicField(required=False)


class PhoneVerificationOutSerializer(serializers.Serializer):
    """The verification to confirm; the code itself goes only by SMS."""

    id = serializers.UUIDField()
    expires_at = serializers.DateTimeField()


class SmsCodeField(serializers.CharField):
    """Six digits as people type them: with spaces, and in any script's digits (٣ is 3)."""

    default_error_messages = {"invalid": _("The code has 6 digits.")}

    def __init__(self, **kwargs):
        super().__init__(min_length=6, max_length=6, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 20:
            self.fail("invalid")
        digits = "".join(data.split())
        if len(digits) != 6 or not digits.isdecimal():
            self.fail("invalid")
        return "".join(str(unicodedata.decimal(ch)) for ch in digits)


class PhoneCodeSerializer(StrictSerializer):
    """The 6-digit code from the SMS."""

    code = SmsCodeField()


class VerificationTokenSerializer(serializers.Serializer):
    """Proof that the number was confirmed, for one booking."""

    verification_token = serializers.CharField()


class ClientInSerializer(StrictSerializer):
    """The person who books; the phone number as people type it, in German or international form."""

    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)
    email = serializers.EmailField(max_length=254, allow_null=True, allow_blank=True, required=False)
    customer_number = serializers.CharField(max_length=40, allow_null=True, allow_blank=True, required=False)
    sms_consent = serializers.BooleanField()
    language = serializers.CharField(max_length=12, required=False)


class BookingInSerializer(StrictSerializer):
    """A booking: what, how, when, in which language, for whom; unknown fields are refused."""

    topic = TopicField()
    mode = NamedChoiceField(schema_name="Mode", choices=Mode.choices)
    start = AwareDateTimeField()
    language = serializers.CharField(max_length=12, default="de")
    interpreter_language = serializers.CharField(max_length=12, allow_null=True, required=False)
    client = ClientInSerializer()
    verification_token = serializers.CharField(max_length=200, allow_null=True, required=False)


class RescheduleInSerializer(StrictSerializer):
    """The new start time, and optionally another mode."""

    start = AwareDateTimeField()
    mode = NamedChoiceField(schema_name="Mode", choices=Mode.choices, required=False)


class CancelInSerializer(StrictSerializer):
    """An optional reason for cancelling."""

    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CaseworkerOutSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class InterpreterOutSerializer(serializers.ModelSerializer):
    language = serializers.CharField(source="language_id")
    status = NamedChoiceField(schema_name="InterpreterStatus", choices=InterpreterRequest.Status.choices)

    class Meta:
        model = InterpreterRequest
        fields = ["language", "status"]


class ErrorSerializer(serializers.Serializer):
    """What every refusal without a field at fault looks like (404, 409, 429, 500)."""

    detail = serializers.CharField()
    field = serializers.CharField(required=False, help_text="The input at fault, when there is one.")


class BookingOutSerializer(serializers.ModelSerializer):
    """A booking as its holder sees it; times in the office's zone with their UTC offset."""

    status = NamedChoiceField(schema_name="AppointmentStatus", choices=Appointment.Status.choices)
    mode = NamedChoiceField(schema_name="Mode", choices=Mode.choices)
    topic = serializers.CharField(source="topic.slug")
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    caseworker = CaseworkerOutSerializer()
    interpreter = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "reference",
            "status",
            "start",
            "end",
            "mode",
            "topic",
            "language",
            "interpreter_language",
            "version",
            "caseworker",
            "interpreter",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, appointment) -> str:
        return appointment.start.astimezone(appointment.topic.office.zone).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, appointment) -> str:
        return appointment.end.astimezone(appointment.topic.office.zone).isoformat()

    @extend_schema_field(InterpreterOutSerializer(allow_null=True))
    def get_interpreter(self, appointment) -> dict | None:
        interpreter_request = getattr(appointment, "interpreter_request", None)
        return InterpreterOutSerializer(interpreter_request).data if interpreter_request else None


class NewBookingOutSerializer(BookingOutSerializer):
    """A new booking, with the manage token that is shown this once and never again."""

    manage_token = serializers.CharField()

    class Meta(BookingOutSerializer.Meta):
        fields = [*BookingOutSerializer.Meta.fields, "manage_token"]
