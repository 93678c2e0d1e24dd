"""Django admin for the domain: configuration is edited here, bookings only cancelled through the service."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from appointments.admin_content import TranslatedTextsAdmin
from appointments.exceptions import ApplicationError, InvalidPhoneNumber
from appointments.models import (
    Absence,
    Appointment,
    AuditEntry,
    AvailabilityRule,
    CalendarBusy,
    CalendarLink,
    Caseworker,
    Client,
    ExtraHours,
    GroupCallPass,
    GroupSession,
    GroupSessionInterpreter,
    InboundSms,
    Interpreter,
    InterpreterAbsence,
    InterpreterAvailability,
    InterpreterDecline,
    InterpreterLanguage,
    InterpreterRequest,
    Invitation,
    Language,
    Mode,
    Notification,
    Office,
    OfficeClosure,
    PhoneVerification,
    SmsBudget,
    StaffIdentity,
    Topic,
)
from appointments.services.audit import record_audit
from appointments.services.booking import cancel_appointment
from appointments.services.calendar import revoke_feed
from appointments.services.own_calendars import readable_address, unlink
from appointments.services.phones import normalize_mobile_number
from appointments.services.texts import mask_private

admin.site.site_header = _("Sprechstunde administration")
admin.site.site_title = _("Sprechstunde")
admin.site.index_title = _("Offices, staff and appointments")


def _modes_label(modes: list[str]) -> str:
    labels = dict(Mode.choices)
    return ", ".join(str(labels.get(mode, mode)) for mode in modes or [])


class ModesAsCheckboxes:
    """Edit a `modes` list (JSONField) as checkboxes instead of raw JSON."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "modes":
            return forms.MultipleChoiceField(
                label=db_field.verbose_name,
                choices=Mode.choices,
                widget=forms.CheckboxSelectMultiple,
                required=True,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Rows written only by the services: visible to staff, changed by nobody here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PhoneSearch:
    """Find a number however it is typed ("0171 3920002"): numbers are stored in E.164."""

    phone_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_mobile_number(search_term)
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        return results | queryset.filter(**{self.phone_field: phone}), may_have_duplicates


# Offices and languages


class OfficeClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0
    fields = ("date", "reason")


@admin.register(Office)
class OfficeAdmin(TranslatedTextsAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "state", "time_zone", "phone", "require_phone_verification")
    list_filter = ("state", "require_phone_verification")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OfficeClosureInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "state", "time_zone", "phone")}),
        (
            _("Booking policy"),
            {
                "fields": (
                    "min_notice",
                    "horizon_days",
                    "slot_step_minutes",
                    "require_phone_verification",
                    "reminder_offsets_minutes",
                    "invitation_reminder_hours",
                    "retention_days",
                )
            },
        ),
        (_("Staff accounts"), {"fields": ("coordinators_need_second_factor",)}),
        (_("Caseworkers' own calendars"), {"fields": ("own_calendar_template",)}),
        (
            _("Limits against abuse"),
            {"fields": ("extra_calling_codes", "sms_codes_per_day", "max_upcoming_per_client")},
        ),
        (
            _("Interpreting"),
            {
                "fields": (
                    "coordinator_email",
                    "interpreter_preferred_minutes",
                    "interpreter_reminder_minutes",
                    "interpreter_alert_hours",
                    "interpreter_fallback_hours",
                    "interpreting_fallback",
                )
            },
        ),
        (
            _("Legal pages"),
            {
                "fields": (
                    "address",
                    "email",
                    "represented_by",
                    "data_protection_officer",
                    "supervisory_authority",
                    "accessibility_enforcement_body",
                )
            },
        ),
    )


@admin.register(OfficeClosure)
class OfficeClosureAdmin(admin.ModelAdmin):
    list_display = ("date", "office", "reason")
    list_filter = ("office",)
    search_fields = ("reason", "office__name")
    date_hierarchy = "date"
    list_select_related = ("office",)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sign_language")
    search_fields = ("code", "name")


# Topics and caseworkers


@admin.register(Topic)
class TopicAdmin(TranslatedTextsAdmin, ModesAsCheckboxes, admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "office",
        "minutes",
        "buffer_before",
        "buffer_after",
        "modes_list",
        "active",
        "self_booking",
        "position",
    )
    list_filter = ("office", "active", "self_booking")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("office",)

    @admin.display(description=_("minutes"), ordering="duration")
    def minutes(self, obj: Topic) -> int:
        return obj.minutes

    @admin.display(description=_("modes"))
    def modes_list(self, obj: Topic) -> str:
        return _modes_label(obj.modes)


class AvailabilityRuleInline(ModesAsCheckboxes, admin.TabularInline):
    model = AvailabilityRule
    extra = 0
    fields = ("weekday", "start_time", "end_time", "modes", "valid_from", "valid_until")


class ExtraHoursInline(ModesAsCheckboxes, admin.TabularInline):
    model = ExtraHours
    extra = 0
    fields = ("date", "start_time", "end_time", "modes")


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0
    fields = ("kind", "start", "end")


class FeedResetAction:
    """An admin action for people with a calendar feed: a new private link, the old one stops working."""

    actions = ["reset_calendar_feed"]

    @admin.action(description=_("Reset the calendar feed link"), permissions=["change"])
    def reset_calendar_feed(self, request: HttpRequest, queryset: QuerySet) -> None:
        owners = list(queryset)
        for owner in owners:
            revoke_feed(owner)
            self.log_change(request, owner, str(_("Calendar feed link reset.")))
        self.message_user(
            request,
            _("Calendar feed links reset: %(count)d. The old links no longer work.") % {"count": len(owners)},
        )


@admin.register(Caseworker)
class CaseworkerAdmin(FeedResetAction, admin.ModelAdmin):
    list_display = ("display_name", "user", "office", "language_codes", "is_coordinator", "active")
    list_filter = ("office", "active", "is_coordinator", "languages", "topics")
    search_fields = ("display_name", "user__username", "user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "topics", "languages")
    readonly_fields = ("feed_version",)
    list_select_related = ("user", "office")
    inlines = [AvailabilityRuleInline, ExtraHoursInline, AbsenceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Caseworker]:
        return super().get_queryset(request).prefetch_related("languages")

    @admin.display(description=_("languages"))
    def language_codes(self, obj: Caseworker) -> str:
        return ", ".join(language.code for language in obj.languages.all())


class CaseworkerTimeAdmin(admin.ModelAdmin):
    """Hours and absences also have their own lists, to see them across caseworkers."""

    list_filter = ("caseworker__office", "caseworker")
    search_fields = ("caseworker__display_name", "caseworker__user__username")
    autocomplete_fields = ("caseworker",)
    list_select_related = ("caseworker",)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(ModesAsCheckboxes, CaseworkerTimeAdmin):
    list_display = (
        "caseworker",
        "weekday",
        "start_time",
        "end_time",
        "modes_list",
        "valid_from",
        "valid_until",
    )
    list_filter = ("weekday", *CaseworkerTimeAdmin.list_filter)

    @admin.display(description=_("modes"))
    def modes_list(self, obj: AvailabilityRule) -> str:
        return _modes_label(obj.modes)


@admin.register(ExtraHours)
class ExtraHoursAdmin(ModesAsCheckboxes, CaseworkerTimeAdmin):
    list_display = ("caseworker", "date", "start_time", "end_time", "modes_list")
    date_hierarchy = "date"

    @admin.display(description=_("modes"))
    def modes_list(self, obj: ExtraHours) -> str:
        return _modes_label(obj.modes)


@admin.register(Absence)
class AbsenceAdmin(CaseworkerTimeAdmin):
    list_display = ("caseworker", "kind", "start", "end")
    list_filter = ("kind", *CaseworkerTimeAdmin.list_filter)
    date_hierarchy = "start"


# Clients and appointments


@admin.register(Client)
class ClientAdmin(PhoneSearch, admin.ModelAdmin):
    """Clients come from bookings; their confirmed number is who they are, so it cannot be edited."""

    list_display = ("name", "phone", "language", "sms_consent", "customer_number", "created_at")
    list_filter = ("language", "sms_consent")
    search_fields = ("name", "phone", "email", "customer_number")
    fields = (
        "name",
        "phone",
        "email",
        "customer_number",
        "language",
        "sms_consent",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("phone", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """Opening a client here shows their contact details: the audit log records it, as on /fachkraft/."""
        response = super().change_view(request, object_id, form_url, extra_context)
        client = Client.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method == "GET" and response.status_code == 200 and client is not None:
            record_audit(
                action=AuditEntry.Action.VIEWED_CONTACT, actor=request.user, client=client, detail="admin"
            )
        return response

    def save_model(self, request: HttpRequest, obj: Client, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_audit(
            action=AuditEntry.Action.CONTACT_CHANGED,
            actor=request.user,
            client=obj,
            detail=",".join(form.changed_data)[:200],
        )


class InterpreterRequestInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InterpreterRequest
    fields = ("language", "status", "interpreter", "created_at", "updated_at")
    readonly_fields = fields
    extra = 0


class NotificationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Notification
    fields = ("kind", "channel", "audience", "appointment_version", "due_at", "status", "delivery_status")
    readonly_fields = fields
    extra = 0
    ordering = ("due_at",)


@admin.register(Appointment)
class AppointmentAdmin(PhoneSearch, admin.ModelAdmin):
    """Read-only: booking, moving and closing go through the booking service, never a form.

    The one change allowed here is the cancel action, which calls the service. The manage
    token's hash and the call room id are never shown.
    """

    fields = (
        "reference",
        "status",
        "version",
        "topic",
        "mode",
        "language",
        "interpreter_language",
        "start",
        "end",
        "blocked_from",
        "blocked_until",
        "caseworker",
        "client",
        "booked_by",
        "cancelled_by",
        "cancel_reason",
        "outcome_note",
        "client_confirmed_at",
        "call_status",
        "call_status_at",
        "call_admitted_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    phone_field = "client__phone"
    list_display = (
        "reference",
        "start",
        "topic",
        "mode",
        "caseworker",
        "client",
        "status",
        "interpreter_language",
        "version",
    )
    list_filter = ("status", "mode", "topic__office", "topic", "caseworker", "cancelled_by")
    search_fields = ("reference", "client__name", "client__phone", "caseworker__display_name")
    date_hierarchy = "start"
    list_select_related = ("topic", "caseworker", "client")
    inlines = [InterpreterRequestInline, NotificationInline]
    actions = ["cancel_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Cancel selected appointments"), permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        reason = str(_("Cancelled by the office."))
        cancelled = 0
        for appointment in queryset.order_by("start"):
            try:
                cancel_appointment(
                    appointment=appointment, by=Appointment.Party.STAFF, reason=reason, actor=request.user
                )
            except ApplicationError as exc:
                self.message_user(
                    request,
                    _("%(reference)s was not cancelled: %(error)s")
                    % {"reference": appointment.reference, "error": exc.message},
                    messages.ERROR,
                )
            else:
                cancelled += 1
                self.log_change(request, appointment, str(_("Cancelled with the admin action.")))
        if cancelled:
            self.message_user(
                request,
                ngettext_lazy(
                    "%(count)d appointment was cancelled.", "%(count)d appointments were cancelled.", "count"
                )
                % {"count": cancelled},
                messages.SUCCESS,
            )


# Interpreters


class InterpreterLanguageInline(admin.TabularInline):
    model = InterpreterLanguage
    extra = 0
    fields = ("language", "dialect_note")
    autocomplete_fields = ("language",)


class InterpreterAvailabilityInline(admin.TabularInline):
    model = InterpreterAvailability
    extra = 0
    fields = ("weekday", "start_time", "end_time")


class InterpreterAbsenceInline(admin.TabularInline):
    model = InterpreterAbsence
    extra = 0
    fields = ("start", "end")


@admin.register(Interpreter)
class InterpreterAdmin(FeedResetAction, ModesAsCheckboxes, admin.ModelAdmin):
    list_display = ("name", "language_codes", "agency", "phone", "modes_list", "sms_consent", "active")
    list_filter = ("active", "sms_consent", "languages__language")
    search_fields = ("name", "phone", "email", "agency", "user__username", "languages__language__name")
    autocomplete_fields = ("user",)
    readonly_fields = ("feed_version",)
    inlines = [InterpreterLanguageInline, InterpreterAvailabilityInline, InterpreterAbsenceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interpreter]:
        return super().get_queryset(request).prefetch_related("languages")

    @admin.display(description=_("languages"))
    def language_codes(self, obj: Interpreter) -> str:
        return ", ".join(entry.language_id for entry in obj.languages.all())

    @admin.display(description=_("modes"))
    def modes_list(self, obj: Interpreter) -> str:
        return _modes_label(obj.modes)


@admin.register(InterpreterLanguage)
class InterpreterLanguageAdmin(admin.ModelAdmin):
    list_display = ("interpreter", "language", "dialect_note")
    list_filter = ("language",)
    search_fields = ("interpreter__name", "language__code", "language__name", "dialect_note")
    autocomplete_fields = ("interpreter", "language")
    list_select_related = ("interpreter", "language")


@admin.register(InterpreterAvailability)
class InterpreterAvailabilityAdmin(admin.ModelAdmin):
    list_display = ("interpreter", "weekday", "start_time", "end_time")
    list_filter = ("weekday",)
    search_fields = ("interpreter__name",)
    autocomplete_fields = ("interpreter",)
    list_select_related = ("interpreter",)


@admin.register(InterpreterAbsence)
class InterpreterAbsenceAdmin(admin.ModelAdmin):
    list_display = ("interpreter", "start", "end")
    search_fields = ("interpreter__name",)
    autocomplete_fields = ("interpreter",)
    date_hierarchy = "start"
    list_select_related = ("interpreter",)


class InterpreterDeclineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InterpreterDecline
    fields = ("interpreter", "reason", "withdrawn", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(InterpreterRequest)
class InterpreterRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Offering and first-accept-wins belong to the interpreting service; here they are only shown."""

    list_display = ("appointment", "language", "status", "interpreter", "created_at")
    list_filter = ("status", "language")
    search_fields = ("appointment__reference", "interpreter__name")
    fields = (
        "appointment",
        "language",
        "status",
        "interpreter",
        "preferred_interpreter",
        "offered_at",
        "pool_offered_at",
        "reminded_at",
        "accepted_at",
        "escalated_at",
        "fallback_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    list_select_related = ("appointment", "language", "interpreter")
    inlines = [InterpreterDeclineInline]


@admin.register(InterpreterDecline)
class InterpreterDeclineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by the interpreting service when an interpreter declines or withdraws."""

    list_display = ("interpreter", "request", "withdrawn", "reason", "created_at")
    list_filter = ("withdrawn",)
    search_fields = ("interpreter__name", "request__appointment__reference", "reason")
    fields = ("request", "interpreter", "reason", "withdrawn", "created_at")
    readonly_fields = fields
    list_select_related = ("interpreter", "request__appointment")


# Records the services keep


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Shows when numbers were confirmed; the code and token hashes stay out of sight."""

    list_display = ("phone", "created_at", "expires_at", "attempts", "confirmed_at", "used_at")
    search_fields = ("phone",)
    date_hierarchy = "created_at"
    fields = ("id", "phone", "created_at", "expires_at", "attempts", "confirmed_at", "used_at")
    readonly_fields = fields


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The provider's ids of SMS received, so that a retried webhook acts once; no sender, no text."""

    list_display = ("message_sid", "received_at")
    search_fields = ("message_sid",)
    date_hierarchy = "received_at"
    fields = ("message_sid", "received_at")
    readonly_fields = fields


@admin.register(SmsBudget)
class SmsBudgetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """SMS codes sent per office and day against its budget, and when the coordinator was alerted."""

    list_display = ("day", "office", "sent", "alerted_at")
    list_filter = ("office",)
    date_hierarchy = "day"


class CalendarBusyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CalendarBusy
    fields = ("start", "end", "all_day")
    readonly_fields = fields
    extra = 0


class CalendarLinkForm(forms.ModelForm):
    """The CalDAV password is only ever set here: never shown back, kept when left empty."""

    password = forms.CharField(
        label=_("password (CalDAV)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown; leave empty to keep the current one."),
    )

    class Meta:
        model = CalendarLink
        fields = ("caseworker", "kind", "url", "username", "password")

    def clean_password(self):
        return self.cleaned_data["password"] or (self.instance.password if self.instance.pk else "")

    def clean_url(self):
        return readable_address(self.cleaned_data["url"])


@admin.register(CalendarLink)
class CalendarLinkAdmin(admin.ModelAdmin):
    """A caseworker's own calendar (ICS or CalDAV); its busy times block their consultation times."""

    form = CalendarLinkForm
    list_display = ("caseworker", "kind", "from_office", "last_read_at", "last_error")
    list_select_related = ("caseworker",)
    search_fields = ("caseworker__display_name",)
    fields = (
        "caseworker",
        "kind",
        "url",
        "username",
        "password",
        "from_office",
        "last_read_at",
        "last_tried_at",
        "last_error",
    )
    readonly_fields = ("from_office", "last_read_at", "last_tried_at", "last_error")
    inlines = [CalendarBusyInline]

    def delete_model(self, request, obj):
        unlink(obj)

    def delete_queryset(self, request, queryset):
        for link in queryset:
            unlink(link)


@admin.register(CalendarBusy)
class CalendarBusyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Busy times as last read from the own calendars (recurrences expanded)."""

    list_display = ("caseworker", "start", "end", "all_day")
    list_filter = ("all_day",)
    date_hierarchy = "start"
    list_select_related = ("caseworker",)


class GroupSessionInterpreterInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Assigned in the workspace (the session's page), where their language and time are checked."""

    model = GroupSessionInterpreter
    fields = ("language", "interpreter", "assigned_at")
    readonly_fields = fields
    extra = 0


@admin.register(GroupSession)
class GroupSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Group sessions are scheduled and called off in the workspace (/fachkraft/gruppen/), where
    the rules of their hosts and places are checked; here they are only looked at."""

    list_display = ("topic", "start", "mode", "capacity", "status")
    list_filter = ("status", "mode")
    date_hierarchy = "start"
    list_select_related = ("topic",)
    exclude = ("call_room", "janus_secret")
    inlines = [GroupSessionInterpreterInline]


@admin.register(GroupSessionInterpreter)
class GroupSessionInterpreterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who interprets which group session; assigned on the session's page in the workspace."""

    list_display = ("session", "language", "interpreter", "assigned_at")
    list_filter = ("language",)
    list_select_related = ("session__topic", "language", "interpreter")


@admin.register(GroupCallPass)
class GroupCallPassAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was let into which group call and who was removed; the Janus tokens are not shown."""

    list_display = ("session", "participant", "place", "user", "expires_at", "removed_at")
    list_filter = ("removed_at",)
    date_hierarchy = "created_at"
    list_select_related = ("session__topic", "place", "user")
    exclude = ("token",)


@admin.register(StaffIdentity)
class StaffIdentityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which provider account signs in as which user, and the roles it had; made by the sign-in."""

    list_display = ("user", "subject", "issuer", "roles", "signed_in_at")
    search_fields = ("subject", "user__username", "user__last_name")
    date_hierarchy = "signed_in_at"
    list_select_related = ("user",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every message and what became of it; private links and codes in the text are masked."""

    list_display = (
        "kind",
        "channel",
        "audience",
        "recipient",
        "appointment",
        "due_at",
        "status",
        "attempts",
        "delivery_status",
    )
    list_filter = ("status", "kind", "channel", "audience", "language")
    search_fields = ("recipient", "appointment__reference", "provider_message_id")
    date_hierarchy = "due_at"
    fields = (
        "appointment",
        "appointment_version",
        "kind",
        "reminder_minutes",
        "channel",
        "audience",
        "recipient",
        "language",
        "subject",
        "masked_body",
        "due_at",
        "status",
        "attempts",
        "lease_until",
        "provider_message_id",
        "delivery_status",
        "error",
        "sent_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    list_select_related = ("appointment",)

    @admin.display(description=_("text"))
    def masked_body(self, obj: Notification) -> str:
        return mask_private(obj.body)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invitations and what became of them; the link's token and the letter's code stay out of sight."""

    list_display = ("topic", "caseworker", "client", "start", "window_from", "deadline", "status")
    list_filter = ("status", "topic__office")
    search_fields = ("client__phone", "client__customer_number", "caseworker__display_name")
    date_hierarchy = "created_at"
    fields = (
        "client",
        "caseworker",
        "team",
        "topic",
        "modes",
        "language",
        "interpreter_language",
        "start",
        "window_from",
        "window_until",
        "deadline",
        "note",
        "channels",
        "status",
        "appointment",
        "created_by",
        "created_at",
        "opened_at",
        "answered_at",
        "reminded_at",
    )
    readonly_fields = fields
    list_select_related = ("topic", "caseworker", "client")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, read only: nobody, not even a superuser, edits or deletes what it records."""

    list_display = ("at", "action", "party", "actor_name", "appointment_reference", "client_id", "detail")
    list_filter = ("action", "party")
    search_fields = ("appointment_reference", "actor_name")
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "party",
        "actor_id",
        "actor_name",
        "office_id",
        "client_id",
        "appointment_id",
        "appointment_reference",
        "detail",
    )
    readonly_fields = fields
