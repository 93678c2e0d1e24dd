"""Small input and output serializers, one pair per operation; unknown fields are an error."""

from datetime import timedelta

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from appointments.models import Appointment, InterpreterRequest, Mode, Topic
from appointments.selectors import bookable_topics

MAX_SLOT_RANGE_DAYS = 31


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


class TopicSerializer(serializers.ModelSerializer):
    duration_minutes = serializers.IntegerField(source="minutes")
    office = serializers.CharField(source="office.slug")

    class Meta:
        model = Topic
        fields = ["slug", "name", "description", "duration_minutes", "modes", "office"]


class TopicField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("There is no bookable topic “{value}”."),
        "invalid": _("Choose a topic."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=bookable_topics(), **kwargs)


class SlotQuerySerializer(StrictSerializer):
    topic = TopicField()
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)
    language = serializers.CharField(max_length=12, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                raise serializers.ValidationError(
                    {"date_to": [_("The end date lies before the start date.")]}
                )
            if date_to - date_from > timedelta(days=MAX_SLOT_RANGE_DAYS):
                raise serializers.ValidationError(
                    {
                        "date_to": [
                            _("Ask for at most %(days)d days at a time.") % {"days": MAX_SLOT_RANGE_DAYS}
                        ]
                    }
                )
        return attrs


class SlotSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    modes = serializers.ListField(child=serializers.CharField())

    def get_start(self, slot) -> str:
        return slot.start.isoformat()

    def get_end(self, slot) -> str:
        return slot.end.isoformat()


class PhoneVerificationInSerializer(StrictSerializer):
    phone = serializers.CharField(max_length=40)
    language = serializers.CharField(max_length=12, required=False)


class PhoneVerificationOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    expires_at = serializers.DateTimeField()


class PhoneCodeSerializer(StrictSerializer):
    code = serializers.RegexField(
        r"^\d{6}$", max_length=6, error_messages={"invalid": _("The code has 6 digits.")}
    )


class VerificationTokenSerializer(serializers.Serializer):
    verification_token = serializers.CharField()


class ClientInSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)
    email = serializers.EmailField(max_length=254, allow_null=True, allow_blank=True, required=False)
    customer_number = serializers.CharField(max_length=40, allow_null=True, allow_blank=True, required=False)
    sms_consent = serializers.BooleanField()
    language = serializers.CharField(max_length=12, required=False)


class BookingInSerializer(StrictSerializer):
    topic = TopicField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    start = AwareDateTimeField()
    language = serializers.CharField(max_length=12, default="de")
    interpreter_language = serializers.CharField(max_length=12, allow_null=True, required=False)
    client = ClientInSerializer()
    verification_token = serializers.CharField(max_length=200, allow_null=True, required=False)


class RescheduleInSerializer(StrictSerializer):
    start = AwareDateTimeField()
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)


class CancelInSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CaseworkerOutSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class InterpreterOutSerializer(serializers.ModelSerializer):
    language = serializers.CharField(source="language_id")

    class Meta:
        model = InterpreterRequest
        fields = ["language", "status"]


class BookingOutSerializer(serializers.ModelSerializer):
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

    def get_start(self, appointment) -> str:
        return appointment.start.astimezone(appointment.topic.office.zone).isoformat()

    def get_end(self, appointment) -> str:
        return appointment.end.astimezone(appointment.topic.office.zone).isoformat()

    def get_interpreter(self, appointment) -> dict | None:
        request = getattr(appointment, "interpreter_request", None)
        return InterpreterOutSerializer(request).data if request else None


class NewBookingOutSerializer(BookingOutSerializer):
    manage_token = serializers.CharField()

    class Meta(BookingOutSerializer.Meta):
        fields = [*BookingOutSerializer.Meta.fields, "manage_token"]
