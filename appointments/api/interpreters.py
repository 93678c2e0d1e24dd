"""The interpreter side of the API: offers, assignments, accept, decline, withdraw; figures."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from appointments.api.serializers import ErrorSerializer
from appointments.api.views import FIELD_ERRORS, NOT_LOGGED_IN, ApiView, logged_in
from appointments.dates import month_param
from appointments.events import client_label
from appointments.models import Interpreter, InterpreterRequest
from appointments.services.interpreter_figures import monthly_interpreter_figures
from appointments.services.interpreter_offers import (
    accept_interpreter_request,
    assignments_for,
    decline_interpreter_request,
    offers_for,
    withdraw_from_assignment,
)
from appointments.services.permissions import access_coordinator, access_interpreter

NOT_INTERPRETER = OpenApiResponse(ErrorSerializer, description="Not logged in as an interpreter.")
NOT_COORDINATOR = OpenApiResponse(ErrorSerializer, description="Not logged in as a coordinator.")
UNKNOWN_REQUEST = OpenApiResponse(
    ErrorSerializer, description="Not logged in as an interpreter, or no such request open to you."
)
TAKEN = OpenApiResponse(
    ErrorSerializer,
    description="Already taken, clashing with another of your assignments, or not possible now.",
)


def acting_interpreter(request) -> Interpreter:
    """The logged-in interpreter; without a login 403, anyone else 404."""
    return access_interpreter(logged_in(request))


class InterpreterRequestSerializer(serializers.ModelSerializer):
    """What an interpreter may know: language, time, mode, duration and the client's first name; no case."""

    language = serializers.CharField(source="language_id")
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    mode = serializers.CharField(source="appointment.mode")
    duration_minutes = serializers.IntegerField(source="appointment.topic.minutes")
    client = serializers.SerializerMethodField()

    class Meta:
        model = InterpreterRequest
        fields = ["id", "language", "status", "start", "end", "mode", "duration_minutes", "client"]

    def _local(self, job, moment) -> str:
        return moment.astimezone(job.appointment.topic.office.zone).isoformat()

    def get_start(self, job) -> str:
        return self._local(job, job.appointment.start)

    def get_end(self, job) -> str:
        return self._local(job, job.appointment.end)

    def get_client(self, job) -> str | None:
        # The first name only once the job is theirs.
        if job.status != InterpreterRequest.Status.ACCEPTED:
            return None
        return client_label(job.appointment.client.name).split(" ")[0]


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def to_internal_value(self, data):
        if isinstance(data, dict) and set(data) - {"reason"}:
            raise ValidationError({name: ["Unknown field."] for name in set(data) - {"reason"}})
        return super().to_internal_value(data)


class OfferListView(ApiView):
    @extend_schema(
        responses={200: InterpreterRequestSerializer(many=True), 403: NOT_LOGGED_IN, 404: NOT_INTERPRETER},
        summary="Requests I may accept",
    )
    def get(self, request):
        return Response(InterpreterRequestSerializer(offers_for(acting_interpreter(request)), many=True).data)


class AssignmentListView(ApiView):
    @extend_schema(
        responses={200: InterpreterRequestSerializer(many=True), 403: NOT_LOGGED_IN, 404: NOT_INTERPRETER},
        summary="My upcoming assignments",
    )
    def get(self, request):
        return Response(
            InterpreterRequestSerializer(assignments_for(acting_interpreter(request)), many=True).data
        )


class AcceptView(ApiView):
    @extend_schema(
        request=None,
        responses={200: InterpreterRequestSerializer, 403: NOT_LOGGED_IN, 404: UNKNOWN_REQUEST, 409: TAKEN},
        summary="Accept (409 if taken)",
    )
    def post(self, request, request_id):
        accepted = accept_interpreter_request(request_id=request_id, interpreter=acting_interpreter(request))
        return Response(InterpreterRequestSerializer(accepted).data)


class DeclineView(ApiView):
    @extend_schema(
        request=DeclineSerializer,
        responses={204: None, 400: FIELD_ERRORS, 403: NOT_LOGGED_IN, 404: UNKNOWN_REQUEST, 409: TAKEN},
        summary="Decline, with a reason",
    )
    def post(self, request, request_id):
        interpreter = acting_interpreter(request)
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decline_interpreter_request(
            request_id=request_id, interpreter=interpreter, reason=data.validated_data.get("reason", "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WithdrawView(ApiView):
    @extend_schema(
        request=DeclineSerializer,
        responses={
            200: InterpreterRequestSerializer,
            400: FIELD_ERRORS,
            403: NOT_LOGGED_IN,
            404: UNKNOWN_REQUEST,
            409: TAKEN,
        },
        summary="Give a job back",
    )
    def post(self, request, request_id):
        interpreter = acting_interpreter(request)
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reopened = withdraw_from_assignment(
            request_id=request_id, interpreter=interpreter, reason=data.validated_data.get("reason", "")
        )
        return Response(InterpreterRequestSerializer(reopened).data)


class FigureSerializer(serializers.Serializer):
    language = serializers.CharField()
    requests = serializers.IntegerField()
    filled = serializers.IntegerField()
    filled_in_time = serializers.IntegerField()
    fallbacks = serializers.IntegerField()
    median_minutes_to_accept = serializers.FloatField(allow_null=True)


class FiguresView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; the current month if left out")],
        responses={
            200: FigureSerializer(many=True),
            400: FIELD_ERRORS,
            403: NOT_LOGGED_IN,
            404: NOT_COORDINATOR,
        },
        summary="Interpreter figures per language for a month (coordinators)",
    )
    def get(self, request):
        coordinator = access_coordinator(logged_in(request))
        month = month_param(request.query_params, "month")
        _first, rows = monthly_interpreter_figures(office=coordinator.office, month=month)
        return Response(FigureSerializer(rows, many=True).data)
