"""Staff's side of invitations in the API: invite a client, and see where one's invitations stand."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from appointments.api.fields import NamedChoiceField
from appointments.api.serializers import (
    AwareDateTimeField,
    ClientInSerializer,
    ErrorSerializer,
    LanguageField,
    StrictSerializer,
    TopicField,
)
from appointments.api.views import CONFLICT, FIELD_ERRORS, NOT_LOGGED_IN, ApiView, logged_in
from appointments.events import client_label
from appointments.exceptions import ApplicationError
from appointments.models import Caseworker, Invitation, Mode
from appointments.selectors import invitation_state, invitations_for
from appointments.services.booking import ClientDetails
from appointments.services.invitations import invitation_link, invite_client
from appointments.services.permissions import access_staff, caseworker_for, clients_visible_to

NOT_STAFF = OpenApiResponse(ErrorSerializer, description="Not logged in as a member of staff.")
STATES = ["pending", "sent", "delivered", "failed", "opened", *Invitation.Status.values]
MAX_LISTED = 200


def acting_staff(request):
    """The logged-in caseworker (or superuser); without a login 403, anyone else 404."""
    user = logged_in(request)
    access_staff(user)
    return user


class InvitationInSerializer(StrictSerializer):
    """An invitation: to a fixed `start`, or to choose between `window_from` and `window_until`.

    The client is a known one by `client_id`, or `client` details (a known mobile number finds
    that client; whether the details change their record is decided as for a booking, by
    `clients.client_for_booking`). `caseworker` defaults to the one who asks.
    """

    caseworker = serializers.IntegerField(required=False)
    topic = TopicField()
    client_id = serializers.IntegerField(required=False)
    client = ClientInSerializer(required=False)
    modes = serializers.ListField(
        child=NamedChoiceField(schema_name="Mode", choices=Mode.choices), min_length=1, max_length=3
    )
    start = AwareDateTimeField(required=False)
    window_from = AwareDateTimeField(required=False)
    window_until = AwareDateTimeField(required=False)
    deadline = AwareDateTimeField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    channels = serializers.ListField(
        child=NamedChoiceField(schema_name="InvitationChannel", choices=Invitation.Channel.choices),
        min_length=1,
        max_length=3,
    )
    language = LanguageField(required=False)
    interpreter_language = LanguageField(required=False, allow_null=True)
    team = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=20)

    def validate(self, attrs):
        if ("client_id" in attrs) == ("client" in attrs):
            raise serializers.ValidationError({"client": [_("Give either client_id or client.")]})
        if ("window_from" in attrs) != ("window_until" in attrs):
            raise serializers.ValidationError({"window_until": [_("Give both ends of the window.")]})
        return attrs


class InvitationOutSerializer(serializers.ModelSerializer):
    """An invitation and where it stands; `link` and `code` only in the answer that created it."""

    status = NamedChoiceField(schema_name="InvitationStatus", choices=Invitation.Status.choices)
    state = serializers.SerializerMethodField()
    topic = serializers.CharField(source="topic.slug")
    caseworker = serializers.SerializerMethodField()
    client = serializers.SerializerMethodField()
    modes = serializers.ListField(child=NamedChoiceField(schema_name="Mode", choices=Mode.choices))
    start = serializers.SerializerMethodField()
    window_from = serializers.SerializerMethodField()
    window_until = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    reference = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "status",
            "state",
            "topic",
            "caseworker",
            "client",
            "modes",
            "start",
            "window_from",
            "window_until",
            "deadline",
            "channels",
            "created_at",
            "opened_at",
            "answered_at",
            "reference",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, invitation) -> str:
        return invitation_state(invitation)

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text="id and display_name")
    )
    def get_caseworker(self, invitation) -> dict:
        return {"id": invitation.caseworker_id, "display_name": invitation.caseworker.display_name}

    @extend_schema_field(serializers.DictField(child=serializers.CharField(), help_text="id and short name"))
    def get_client(self, invitation) -> dict:
        return {"id": invitation.client_id, "name": client_label(invitation.client.name)}

    def _local(self, invitation, moment) -> str | None:
        return moment.astimezone(invitation.topic.office.zone).isoformat() if moment else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, invitation) -> str | None:
        return self._local(invitation, invitation.start)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_window_from(self, invitation) -> str | None:
        return self._local(invitation, invitation.window_from)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_window_until(self, invitation) -> str | None:
        return self._local(invitation, invitation.window_until)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_deadline(self, invitation) -> str:
        return self._local(invitation, invitation.deadline)

    def get_reference(self, invitation) -> str | None:
        """The booking code, once booked."""
        booked = invitation.status == Invitation.Status.BOOKED and invitation.appointment is not None
        return invitation.appointment.reference if booked else None


class IssuedInvitationOutSerializer(InvitationOutSerializer):
    link = serializers.CharField(help_text="The client's link; shown only now.")
    code = serializers.CharField(help_text="The code for the letter, typed at /e/; shown only now.")

    class Meta(InvitationOutSerializer.Meta):
        fields = [*InvitationOutSerializer.Meta.fields, "link", "code"]


def _caseworker(user, caseworker_id: int | None, field: str = "caseworker") -> Caseworker:
    if caseworker_id is None:
        own = caseworker_for(user)
        if own is None:
            raise ApplicationError(_("Choose the caseworker who invites."), field=field)
        return own
    found = Caseworker.objects.select_related("office").filter(pk=caseworker_id).first()
    if found is None:
        raise ApplicationError(_("There is no such caseworker."), field=field)
    return found


class InvitationListView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Invitation.Status.values, required=False)],
        responses={200: InvitationOutSerializer(many=True), 403: NOT_LOGGED_IN, 404: NOT_STAFF},
        summary="Invitations I may see and where they stand (the newest 200)",
    )
    def get(self, request):
        invitations = invitations_for(acting_staff(request))
        wanted = request.query_params.get("status")
        if wanted in Invitation.Status.values:
            invitations = invitations.filter(status=wanted)
        return Response(InvitationOutSerializer(invitations[:MAX_LISTED], many=True).data)

    @extend_schema(
        request=InvitationInSerializer,
        responses={
            201: IssuedInvitationOutSerializer,
            400: FIELD_ERRORS,
            403: NOT_LOGGED_IN,
            404: NOT_STAFF,
            409: CONFLICT,
        },
        summary="Invite a client to a fixed time (held for them; 409 if taken) or to choose in a window",
    )
    def post(self, request):
        user = acting_staff(request)
        data = InvitationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "client_id" in values:
            client = clients_visible_to(user).filter(pk=values["client_id"]).first()
            if client is None:
                raise ApplicationError(_("There is no such client."), field="client_id")
        else:
            details = values["client"]
            client = ClientDetails(
                name=details["name"],
                phone=details["phone"],
                email=details.get("email") or "",
                customer_number=details.get("customer_number") or "",
                language=details.get("language") or "de",
                sms_consent=details["sms_consent"],
            )
        window = (values["window_from"], values["window_until"]) if "window_from" in values else None
        language = values.get("language")
        interpreter = values.get("interpreter_language")
        issued = invite_client(
            caseworker=_caseworker(user, values.get("caseworker")),
            topic=values["topic"],
            client=client,
            modes=values["modes"],
            start=values.get("start"),
            window=window,
            deadline=values["deadline"],
            note=values.get("note", ""),
            channels=values["channels"],
            language=language.code if language else None,
            interpreter_language=interpreter.code if interpreter else None,
            team=[_caseworker(user, pk, "team") for pk in values.get("team", [])],
            invited_by=user,
        )
        invitation = issued.invitation
        invitation.link = invitation_link(issued.token)
        invitation.code = issued.code
        return Response(IssuedInvitationOutSerializer(invitation).data, status=status.HTTP_201_CREATED)
