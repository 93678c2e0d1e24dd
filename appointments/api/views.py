"""API views: parse the request, call one service or selector, render the answer."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from appointments.access import access_booking
from appointments.api import serializers as s
from appointments.models import Appointment
from appointments.selectors import bookable_topics
from appointments.services.availability import free_slots
from appointments.services.booking import (
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from appointments.services.verification import confirm_phone_verification, start_phone_verification

TOKEN_PARAMETER = OpenApiParameter(
    "token", OpenApiTypes.STR, description="The manage token, if not sent as `Authorization: Token …`."
)


def manage_token(request) -> str | None:
    """The booking's manage token from `Authorization: Token …` or `?token=`."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token" and value.strip():
        return value.strip()
    return request.query_params.get("token")


class ThrottledView(APIView):
    throttle_classes = [ScopedRateThrottle]


class TopicListView(APIView):
    @extend_schema(responses=s.TopicSerializer(many=True), summary="Bookable topics")
    def get(self, request):
        return Response(s.TopicSerializer(bookable_topics(), many=True).data)


class SlotListView(ThrottledView):
    throttle_scope = "slots"

    @extend_schema(
        parameters=[s.SlotQuerySerializer],
        responses=inline_serializer("SlotList", {"results": s.SlotSerializer(many=True)}),
        summary="Free start times, earliest first",
    )
    def get(self, request):
        query = s.SlotQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        topic = query.validated_data["topic"]
        today = timezone.now().astimezone(topic.office.zone).date()
        date_from = query.validated_data.get("date_from", today)
        date_to = query.validated_data.get("date_to", date_from + timedelta(days=6))
        slots = free_slots(
            topic=topic,
            mode=query.validated_data.get("mode"),
            language=query.validated_data.get("language"),
            date_from=date_from,
            date_to=date_to,
        )
        return Response({"results": s.SlotSerializer(slots, many=True).data})


class PhoneVerificationCreateView(ThrottledView):
    throttle_scope = "verification"

    @extend_schema(
        request=s.PhoneVerificationInSerializer,
        responses={201: s.PhoneVerificationOutSerializer},
        summary="Send a 6-digit code by SMS",
    )
    def post(self, request):
        data = s.PhoneVerificationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = start_phone_verification(
            phone=data.validated_data["phone"],
            language=data.validated_data.get("language") or request.LANGUAGE_CODE,
        )
        return Response(s.PhoneVerificationOutSerializer(verification).data, status=status.HTTP_201_CREATED)


class PhoneVerificationConfirmView(ThrottledView):
    throttle_scope = "verification"

    @extend_schema(
        request=s.PhoneCodeSerializer,
        responses=s.VerificationTokenSerializer,
        summary="Exchange the SMS code for a verification token",
    )
    def post(self, request, verification_id):
        data = s.PhoneCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = confirm_phone_verification(verification_id=verification_id, code=data.validated_data["code"])
        return Response({"verification_token": token})


class BookingCreateView(ThrottledView):
    throttle_scope = "booking"

    @extend_schema(
        request=s.BookingInSerializer,
        responses={201: s.NewBookingOutSerializer},
        summary="Book a consultation (409 if the time was just taken)",
    )
    def post(self, request):
        data = s.BookingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        client = values["client"]
        staff = (
            request.user if request.user.is_authenticated and hasattr(request.user, "caseworker") else None
        )
        booking = book_appointment(
            topic=values["topic"],
            mode=values["mode"],
            start=values["start"],
            language=values["language"],
            interpreter_language=values.get("interpreter_language"),
            client=ClientDetails(
                name=client["name"],
                phone=client["phone"],
                email=client.get("email") or "",
                customer_number=client.get("customer_number") or "",
                language=client.get("language") or values.get("interpreter_language") or values["language"],
                sms_consent=client["sms_consent"],
            ),
            verification_token=values.get("verification_token"),
            booked_by=staff,
        )
        appointment = booking.appointment
        appointment.manage_token = booking.manage_token
        return Response(s.NewBookingOutSerializer(appointment).data, status=status.HTTP_201_CREATED)


class BookingView(ThrottledView):
    throttle_scope = "manage"

    def booking(self, request, reference) -> Appointment:
        return access_booking(reference=reference, token=manage_token(request))


class BookingDetailView(BookingView):
    @extend_schema(parameters=[TOKEN_PARAMETER], responses=s.BookingOutSerializer, summary="The booking")
    def get(self, request, reference):
        return Response(s.BookingOutSerializer(self.booking(request, reference)).data)


class BookingRescheduleView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.RescheduleInSerializer,
        responses=s.BookingOutSerializer,
        summary="Move the booking to another free time",
    )
    def post(self, request, reference):
        appointment = self.booking(request, reference)
        data = s.RescheduleInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = reschedule_appointment(
            appointment=appointment, start=data.validated_data["start"], mode=data.validated_data.get("mode")
        )
        return Response(s.BookingOutSerializer(appointment).data)


class BookingCancelView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.CancelInSerializer,
        responses=s.BookingOutSerializer,
        summary="Cancel the booking",
    )
    def post(self, request, reference):
        appointment = self.booking(request, reference)
        data = s.CancelInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = cancel_appointment(
            appointment=appointment, by=Appointment.Party.CLIENT, reason=data.validated_data.get("reason", "")
        )
        return Response(s.BookingOutSerializer(appointment).data)
