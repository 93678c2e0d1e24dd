"""API views: parse the request, call one service or selector, render the answer."""

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api import serializers as s
from appointments.api.parsers import JSONParser
from appointments.api.throttling import ScopedRateThrottle
from appointments.models import Appointment
from appointments.selectors import self_bookable_topics
from appointments.services import slot_cache
from appointments.services.availability import free_slots
from appointments.services.booking import (
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from appointments.services.calendar import build_invite, invite_method
from appointments.services.limits import take_for_address
from appointments.services.permissions import access_booking, caseworker_for
from appointments.services.verification import confirm_phone_verification, start_phone_verification

TOKEN_PARAMETER = OpenApiParameter(
    "token", OpenApiTypes.STR, description="The manage token, if not sent as `Authorization: Token …`."
)

FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Field errors, `{field: [message]}` (nested for `client`), or `{detail}` for a body "
    "that is not JSON.",
)
NOT_FOUND = OpenApiResponse(s.ErrorSerializer, description="No booking with this code and token.")
NOT_LOGGED_IN = OpenApiResponse(s.ErrorSerializer, description="Not logged in.")
CONFLICT = OpenApiResponse(
    s.ErrorSerializer, description="The time was just taken, or the booking can no longer be changed."
)
NO_ADDRESS = OpenApiResponse(s.ErrorSerializer, description="The id in the address is not a verification's.")
THROTTLED = OpenApiResponse(s.ErrorSerializer, description="Too many requests; try again later.")


def manage_token(request) -> str | None:
    """The booking's manage token from `Authorization: Token …` or `?token=`."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token" and value.strip():
        return value.strip()
    return request.query_params.get("token")


def acting_caseworker(request) -> AbstractBaseUser | None:
    """The logged-in user if they are an active caseworker, who may book on a client's behalf."""
    return request.user if caseworker_for(request.user) is not None else None


def logged_in(request) -> AbstractBaseUser:
    """The logged-in user; a caller without a login is told to log in (the API's login page), while
    everyone logged in whom a rule refuses gets the rule's 404."""
    if not request.user.is_authenticated:
        raise NotAuthenticated
    return request.user


class ApiView(APIView):
    """JSON in and out; a body nested too deeply to parse is a 400 like any other bad JSON."""

    parser_classes = [JSONParser]


class ThrottledView(ApiView):
    throttle_classes = [ScopedRateThrottle]


class TopicListView(ApiView):
    @extend_schema(responses=s.TopicSerializer(many=True), summary="Bookable topics")
    def get(self, request):
        return Response(s.TopicSerializer(self_bookable_topics(), many=True).data)


class SlotListView(ThrottledView):
    throttle_scope = "slots"

    @extend_schema(
        parameters=[s.SlotQuerySerializer],
        responses={
            200: inline_serializer("SlotList", {"results": s.SlotSerializer(many=True)}),
            400: FIELD_ERRORS,
            429: THROTTLED,
        },
        summary="Free start times, earliest first",
    )
    def get(self, request):
        # Hundreds of requests a second ask the same few questions: the answer of one second is
        # rendered once (slot_cache; dropped, like every cached free time, by any change).
        now = slot_cache.this_second(timezone.now())
        query = request.query_params.dict()
        answer = slot_cache.remembered(
            ("slot-answer", sorted(query.items()), now), lambda: self._answer(query, now), seconds=2
        )
        return HttpResponse(answer, content_type="application/json")

    def _answer(self, query: dict, now) -> bytes:
        valid = s.SlotQuerySerializer(data=query, context={"now": now})
        valid.is_valid(raise_exception=True)  # a 400, never kept
        slots = free_slots(
            topic=valid.validated_data["topic"],
            mode=valid.validated_data.get("mode"),
            language=valid.validated_data.get("language"),
            date_from=valid.validated_data["date_from"],
            date_to=valid.validated_data["date_to"],
            now=now,
            shared=True,
        )
        return JSONRenderer().render({"results": s.SlotSerializer(slots, many=True).data})


class PhoneVerificationCreateView(ThrottledView):
    throttle_scope = "verification"

    @extend_schema(
        request=s.PhoneVerificationInSerializer,
        responses={201: s.PhoneVerificationOutSerializer, 400: FIELD_ERRORS, 429: THROTTLED},
        summary="Send a 6-digit code by SMS",
    )
    def post(self, request):
        data = s.PhoneVerificationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        language = data.validated_data.get("language")
        topic = data.validated_data.get("topic")
        verification = start_phone_verification(
            phone=data.validated_data["phone"],
            language=language.code if language else request.LANGUAGE_CODE,
            office=topic.office if topic else None,
        )
        return Response(s.PhoneVerificationOutSerializer(verification).data, status=status.HTTP_201_CREATED)


class PhoneVerificationConfirmView(ThrottledView):
    throttle_scope = "verification"

    @extend_schema(
        request=s.PhoneCodeSerializer,
        responses={200: s.VerificationTokenSerializer, 400: FIELD_ERRORS, 404: NO_ADDRESS, 429: THROTTLED},
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
        responses={201: s.NewBookingOutSerializer, 400: FIELD_ERRORS, 409: CONFLICT, 429: THROTTLED},
        summary="Book a consultation (409 if the time was just taken)",
    )
    def post(self, request):
        data = s.BookingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        client = values["client"]
        booked_by = acting_caseworker(request)
        if booked_by is None:
            take_for_address(request, "booking-day")
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
            booked_by=booked_by,
        )
        appointment = booking.appointment
        appointment.manage_token = booking.manage_token
        return Response(s.NewBookingOutSerializer(appointment).data, status=status.HTTP_201_CREATED)


class BookingView(ThrottledView):
    throttle_scope = "manage"

    def booking(self, request, reference) -> Appointment:
        return access_booking(reference=reference, token=manage_token(request))


class BookingDetailView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={200: s.BookingOutSerializer, 404: NOT_FOUND, 429: THROTTLED},
        summary="The booking",
    )
    def get(self, request, reference):
        return Response(s.BookingOutSerializer(self.booking(request, reference)).data)


class BookingRescheduleView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.RescheduleInSerializer,
        responses={
            200: s.BookingOutSerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
        summary="Move the booking to another free time",
    )
    def post(self, request, reference):
        appointment = self.booking(request, reference)
        data = s.RescheduleInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = reschedule_appointment(
            appointment=appointment,
            start=data.validated_data["start"],
            mode=data.validated_data.get("mode"),
            manage_token=manage_token(request),
        )
        return Response(s.BookingOutSerializer(appointment).data)


class BookingCancelView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.CancelInSerializer,
        responses={
            200: s.BookingOutSerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
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


class BookingCalendarView(BookingView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY, 404: NOT_FOUND, 429: THROTTLED},
        summary="The booking as a calendar invite (.ics)",
    )
    def get(self, request, reference):
        token = manage_token(request)
        appointment = access_booking(reference=reference, token=token)
        ics = build_invite(appointment, manage_token=token)
        response = HttpResponse(ics, content_type=f"text/calendar; method={invite_method(appointment)}")
        response["Content-Disposition"] = f'attachment; filename="termin-{appointment.reference}.ics"'
        return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """An address the API does not have: the same JSON 404 as an unknown booking."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND)
