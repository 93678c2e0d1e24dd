"""The domain's tables: offices, topics, caseworkers and their hours, clients, appointments, interpreters."""

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments import outbox_kinds
from appointments.exceptions import NotAllowed
from appointments.fields import SealedTextField


class Mode(models.TextChoices):
    TELEPHONE = "telephone", _("Telephone")
    VIDEO = "video", _("Video")
    IN_PERSON = "in_person", _("In person")


MODE_VALUES = frozenset(Mode.values)


def validate_modes(value: object) -> None:
    if not isinstance(value, list) or not value or not set(value) <= MODE_VALUES:
        raise ValidationError(
            _("Choose one or more of: %(modes)s."), params={"modes": ", ".join(Mode.values)}
        )


def validate_calling_codes(value: str) -> None:
    for code in value.replace(",", " ").split():
        if not (code.startswith("+") and code[1:].isdecimal() and 1 <= len(code) - 1 <= 3):
            raise ValidationError(_("Write calling codes like +43 +41, separated by spaces."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 60]


class FederalState(models.TextChoices):
    """German states, by the subdivision codes the `holidays` package uses."""

    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class Office(models.Model):
    """A job centre location with its time zone, public holidays and booking policy."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    state = models.CharField(_("federal state"), max_length=2, choices=FederalState.choices)
    phone = models.CharField(_("public phone number"), max_length=40, blank=True)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_("Texts in other languages, by language code; German is the text above."),
    )
    min_notice = models.DurationField(_("minimum notice"), default=timedelta(hours=2))
    horizon_days = models.PositiveIntegerField(_("booking horizon (days)"), default=28)
    slot_step_minutes = models.PositiveIntegerField(_("minutes between start times"), default=15)
    reminder_offsets_minutes = models.JSONField(
        _("reminders (minutes before)"), default=default_reminder_offsets, blank=True
    )
    retention_days = models.PositiveIntegerField(_("retention of personal data (days)"), default=90)
    require_phone_verification = models.BooleanField(_("confirm phone numbers by SMS code"), default=True)
    coordinator_email = models.EmailField(_("coordinators' e-mail"), blank=True)
    extra_calling_codes = models.CharField(
        _("more calling codes for SMS"),
        max_length=100,
        blank=True,
        validators=[validate_calling_codes],
        help_text=_("Codes go to numbers of the allowed calling codes (+49) and these, e.g. +43 +41."),
    )
    sms_codes_per_day = models.PositiveIntegerField(
        _("SMS codes a day (budget)"),
        default=500,
        help_text=_(
            "When reached, no more codes go out today; clients are asked to call, you get an e-mail."
        ),
    )
    max_upcoming_per_client = models.PositiveIntegerField(
        _("upcoming appointments a client may book"),
        default=2,
        help_text=_("Bookings by staff do not count against this limit."),
    )
    interpreter_preferred_minutes = models.PositiveIntegerField(
        _("minutes a preferred interpreter has the offer alone"), default=60
    )
    interpreter_reminder_minutes = models.PositiveIntegerField(
        _("remind interpreters who did not answer after (minutes)"), default=240
    )
    interpreter_alert_hours = models.PositiveIntegerField(
        _("alert the coordinator when still open (hours before)"), default=48
    )
    interpreter_fallback_hours = models.PositiveIntegerField(
        _("switch to the telephone interpreting service (hours before)"), default=24
    )
    interpreting_fallback = models.CharField(
        _("telephone interpreting service"), max_length=200, blank=True, default="Telefondolmetschdienst"
    )
    coordinators_need_second_factor = models.BooleanField(
        _("coordinators must log in with a second factor"),
        default=False,
        help_text=_(
            "A coordinator without an authenticator app is sent to set one up before any staff page."
        ),
    )
    invitation_reminder_hours = models.PositiveIntegerField(
        _("remind invited clients who did not answer (hours before the deadline)"),
        default=24,
        help_text=_("0: no reminder."),
    )
    own_calendar_template = models.CharField(
        _("caseworkers' calendar address (template)"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Read for every caseworker without an own calendar, with {email} and {username} filled in, "
            "e.g. https://outlook.office365.com/owa/calendar/{email}/calendar.ics"
        ),
    )
    # The legal pages (frontend/public/legal.py): imprint, privacy notice and accessibility statement.
    address = models.TextField(_("postal address"), blank=True)
    email = models.EmailField(_("public e-mail"), blank=True)
    represented_by = models.CharField(
        _("represented by"), max_length=200, blank=True, help_text=_("e.g. the managing director")
    )
    data_protection_officer = models.TextField(
        _("data protection officer (name, address, e-mail)"), blank=True
    )
    supervisory_authority = models.TextField(
        _("data protection supervisory authority (name and address)"),
        blank=True,
        help_text=_("The Federal Commissioner (BfDI) for joint institutions, the Land's for municipal ones."),
    )
    accessibility_enforcement_body = models.TextField(
        _("the Land's enforcement body for accessibility (name and address)"), blank=True
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="office_step_at_least_5"),
            models.CheckConstraint(
                condition=Q(min_notice__gte=timedelta(0)), name="office_notice_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self, now: datetime | None = None) -> date:
        """The office's local date at `now` (default: this moment)."""
        return (now or timezone.now()).astimezone(self.zone).date()

    def day_bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """Local midnight before `first` and after `last` (23 or 25 hours on DST days), aware."""
        return (
            datetime.combine(first, time.min, tzinfo=self.zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=self.zone),
        )


class OfficeClosure(models.Model):
    """A day the office is closed beyond the public holidays (staff outing, move)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("office closure")
        verbose_name_plural = _("office closures")
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="one_closure_per_office_day")]

    def __str__(self) -> str:
        return f"{self.office} {self.date}"


class Language(models.Model):
    """A language people speak, by its ISO 639 code, named in its own script."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    sign_language = models.BooleanField(
        _("sign language"), default=False, help_text=_("Interpreted only in video consultations.")
    )

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Topic(models.Model):
    """What a consultation is about, how long it takes and how it can be held."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration = models.DurationField(_("duration"), default=timedelta(minutes=30))
    buffer_before = models.DurationField(_("buffer before"), default=timedelta(0))
    buffer_after = models.DurationField(_("buffer after"), default=timedelta(0))
    modes = models.JSONField(_("modes"), default=list, validators=[validate_modes])
    active = models.BooleanField(_("bookable"), default=True)
    self_booking = models.BooleanField(
        _("clients may book without an invitation"),
        default=True,
        help_text=_("Off: only clients invited by a caseworker can book this topic."),
    )
    group = models.BooleanField(
        _("group session"),
        default=False,
        help_text=_(
            "On: clients book a place in one of the topic's group sessions, not a time of their own."
        ),
    )
    invitation_notice = models.TextField(
        _("notice sent with every invitation"),
        blank=True,
        help_text=_("For example the notice on legal consequences (Rechtsfolgenbelehrung)."),
    )
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_("Texts in other languages, by language code; German is the text above."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration__gt=timedelta(0)), name="topic_duration_positive"),
            models.CheckConstraint(
                condition=Q(buffer_before__gte=timedelta(0), buffer_after__gte=timedelta(0)),
                name="topic_buffers_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def times(self, start: datetime) -> "AppointmentTimes":
        """An appointment of this topic starting at `start`: its end and the span its buffers block."""
        # In UTC, because adding a duration to a zoned datetime adds wall-clock time across DST.
        start = start.astimezone(UTC)
        end = start + self.duration
        return AppointmentTimes(start, end, start - self.buffer_before, end + self.buffer_after)


@dataclass(frozen=True)
class AppointmentTimes:
    """An appointment's start and end, and the wider span it keeps its caseworker busy."""

    start: datetime
    end: datetime
    blocked_from: datetime
    blocked_until: datetime


@dataclass(frozen=True)
class CallWindow:
    """When an appointment's video room and phone conference are open, both ends included."""

    opens: datetime
    closes: datetime

    @staticmethod
    def minutes_before() -> int:
        """How many minutes before the start the room opens (setting CALL_OPENS_MINUTES_BEFORE)."""
        return settings.CALL_OPENS_MINUTES_BEFORE

    @staticmethod
    def minutes_after() -> int:
        """How many minutes after the end the room stays open (setting CALL_CLOSES_MINUTES_AFTER)."""
        return settings.CALL_CLOSES_MINUTES_AFTER

    @classmethod
    def around(cls, start: datetime, end: datetime) -> "CallWindow":
        """From shortly before `start` until a while after `end`."""
        return cls(
            opens=start - timedelta(minutes=cls.minutes_before()),
            closes=end + timedelta(minutes=cls.minutes_after()),
        )

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now <= self.closes


class Caseworker(models.Model):
    """A member of staff who holds consultations (Fachkraft)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseworker")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="caseworkers")
    display_name = models.CharField(_("display name"), max_length=120)
    topics = models.ManyToManyField(Topic, related_name="caseworkers", blank=True)
    languages = models.ManyToManyField(Language, related_name="caseworkers", blank=True)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    active = models.BooleanField(_("active"), default=True)
    feed_version = models.PositiveIntegerField(_("calendar feed version"), default=0)

    class Meta:
        verbose_name = _("caseworker")
        verbose_name_plural = _("caseworkers")
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(models.Model):
    """Weekly consultation hours of a caseworker, in the office's local time."""

    caseworker = models.ForeignKey(Caseworker, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    modes = models.JSONField(_("modes"), default=list, validators=[validate_modes])

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["caseworker", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="rule_ends_after_start"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="rule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caseworker} {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ExtraHours(models.Model):
    """One-off consultation hours on a given day, in the office's local time."""

    caseworker = models.ForeignKey(Caseworker, on_delete=models.CASCADE, related_name="extra_hours")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    modes = models.JSONField(_("modes"), default=list, validators=[validate_modes])

    class Meta:
        verbose_name = _("extra hours")
        verbose_name_plural = _("extra hours")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="extra_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.caseworker} {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Absence(models.Model):
    """Time a caseworker is away (holiday, sickness, training); no slots are offered then."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        SICKNESS = "sickness", _("Sickness")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    caseworker = models.ForeignKey(Caseworker, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="absence_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.caseworker} {self.get_kind_display()} {timezone.localtime(self.start):%Y-%m-%d}"


class Client(models.Model):
    """A person who books; no account, identified by a confirmed mobile number."""

    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("mobile number (E.164)"), max_length=20, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    customer_number = models.CharField(_("customer number"), max_length=40, blank=True)
    language = models.CharField(_("preferred language"), max_length=12, default="de")
    sms_consent = models.BooleanField(_("agrees to SMS"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        # The central data-protection role (services/permissions.py: `is_data_protection_officer`).
        permissions = [("process_all_client_data", _("Can export and erase a client's data at every office"))]

    def __str__(self) -> str:
        return self.name


class GroupSession(models.Model):
    """A group information session: one time, its hosts, and places that clients book.

    A client's place is an Appointment with `group_session` set, so it has a booking code, a
    private link, SMS, an invite and an outcome like any appointment; the places do not block
    their host one by one (the exclusion constraint leaves them out), the session does.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="group_sessions")
    hosts = models.ManyToManyField(Caseworker, related_name="group_sessions")
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(_("places"), default=12)
    languages = models.ManyToManyField(
        Language,
        related_name="+",
        blank=True,
        verbose_name=_("languages"),
        help_text=_("Languages the session is held in or interpreted into; none: German only."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    call_room = models.CharField(max_length=32, unique=True, editable=False)
    # The session's Janus videoroom, made when its call first opens (services/group_calls.py).
    janus_room = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    janus_secret = SealedTextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="group_session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_session_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def set_times(self, start: datetime) -> None:
        times = self.topic.times(start)
        self.start, self.end = times.start, times.end
        self.blocked_from, self.blocked_until = times.blocked_from, times.blocked_until


class GroupCallPass(models.Model):
    """One admission to a session's Janus room: a participant number and the token that opens it.

    A host's pass has `user`, a client's `place`. Removing someone revokes their passes and keeps
    `removed_at`, so that their booking link does not let them back in.
    """

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="call_passes")
    place = models.ForeignKey(
        "Appointment", on_delete=models.CASCADE, null=True, blank=True, related_name="call_passes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    participant = models.PositiveBigIntegerField(unique=True)
    token = SealedTextField()
    expires_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(place__isnull=False) ^ Q(user__isnull=False), name="call_pass_has_one_holder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.participant}"


class CallStatus(models.TextChoices):
    """Where an appointment's call stands, as the call service records it."""

    WAITING = "waiting", _("Client waiting")
    IN_PROGRESS = "in_progress", _("Call in progress")
    PHONE_REQUESTED = "phone_requested", _("Client asked for a phone call")
    RINGING = "ringing", _("Ringing")
    ENDED = "ended", _("Call ended")
    FAILED = "failed", _("Call failed")


class Appointment(models.Model):
    """A booked consultation between a client and a caseworker.

    An appointment in status HELD is the time a fixed-time invitation keeps for its
    client until they answer; it becomes BOOKED when they confirm, CANCELLED otherwise.

    `blocked_from`/`blocked_until` are the consultation widened by the topic's
    buffers at booking time; on PostgreSQL an exclusion constraint (migration 0002)
    forbids two non-cancelled appointments of one caseworker whose blocked ranges overlap.
    """

    class Status(models.TextChoices):
        HELD = "held", _("Held for an invitation")
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    class Party(models.TextChoices):
        CLIENT = "client", _("Client")
        STAFF = "staff", _("Staff")
        SYSTEM = "system", _("System")

    reference = models.CharField(_("booking code"), max_length=12, unique=True)
    manage_token_hash = models.CharField(max_length=64)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    caseworker = models.ForeignKey(Caseworker, on_delete=models.PROTECT, related_name="appointments")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="appointments")
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    language = models.CharField(_("language of the consultation"), max_length=12, default="de")
    interpreter_language = models.CharField(_("interpreter needed for"), max_length=12, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    version = models.PositiveIntegerField(_("version"), default=0)
    cancelled_by = models.CharField(_("cancelled by"), max_length=10, choices=Party.choices, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    client_confirmed_at = models.DateTimeField(_("client confirmed attendance"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Calls: an opaque room id for the video room and the telephone conference.
    call_room = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    # Set once a fourth person joins the call: its Janus videoroom, which the mesh moves to.
    janus_room = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    janus_secret = SealedTextField(blank=True, editable=False)
    group_session = models.ForeignKey(
        GroupSession,
        on_delete=models.PROTECT,
        related_name="places",
        null=True,
        blank=True,
        verbose_name=_("group session"),
    )
    call_status = models.CharField(_("call status"), max_length=20, choices=CallStatus.choices, blank=True)
    call_status_at = models.DateTimeField(_("call status changed"), null=True, blank=True)
    call_admitted_at = models.DateTimeField(_("client admitted to the call"), null=True, blank=True)
    # Finding the booking by code and number: wrong SMS codes so far, and locked until.
    find_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    find_locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["caseworker", "blocked_from"], name="appointment_caseworker_time"),
            models.Index(fields=["manage_token_hash"], name="appointment_manage_token"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("start"), blocked_until__gte=F("end")),
                name="appointment_blocked_covers_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def set_times(self, start: datetime, topic: Topic | None = None) -> None:
        """Start at `start` with the end and blocked span of `topic` (default: its own), unsaved."""
        times = (topic or self.topic).times(start)
        self.start, self.end = times.start, times.end
        self.blocked_from, self.blocked_until = times.blocked_from, times.blocked_until

    def is_changeable(self, now: datetime) -> bool:
        """Whether it may still be moved, cancelled or given an interpreter: booked and not begun."""
        return self.status == self.Status.BOOKED and self.start > now

    def call_window(self) -> CallWindow:
        """When its call is open: shortly before the start until a while after the end."""
        return CallWindow.around(self.start, self.end)

    def is_call_open(self, now: datetime) -> bool:
        """Whether a booked appointment's call can be joined at `now`."""
        return self.status == self.Status.BOOKED and self.call_window().is_open(now)


class Interpreter(models.Model):
    """A (often freelance) interpreter who can be asked to join consultations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="interpreter"
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("mobile number (E.164)"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    modes = models.JSONField(_("modes"), default=list, validators=[validate_modes])
    sms_consent = models.BooleanField(_("agrees to SMS"), default=False)
    active = models.BooleanField(_("active"), default=True)
    feed_version = models.PositiveIntegerField(_("calendar feed version"), default=0)

    class Meta:
        verbose_name = _("interpreter")
        verbose_name_plural = _("interpreters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InterpreterLanguage(models.Model):
    """A language an interpreter works in, with a note on dialects (e.g. Dari, not Farsi)."""

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="languages")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    dialect_note = models.CharField(_("dialects"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("interpreter language")
        verbose_name_plural = _("interpreter languages")
        constraints = [
            models.UniqueConstraint(
                fields=["interpreter", "language"], name="one_entry_per_interpreter_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interpreter}: {self.language_id}"


class InterpreterAvailability(models.Model):
    """Weekly hours in which an interpreter takes work, in the office's local time."""

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("interpreter hours")
        verbose_name_plural = _("interpreter hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="interpreter_hours_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.interpreter} {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"
        )


class InterpreterAbsence(models.Model):
    """Time an interpreter cannot take work."""

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="absences")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("interpreter absence")
        verbose_name_plural = _("interpreter absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="interpreter_absence_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interpreter} {timezone.localtime(self.start):%Y-%m-%d}"


class InterpreterRequest(models.Model):
    """The need for an interpreter at an appointment; the offering workflow drives its status.

    `blocked_from`/`blocked_until` mirror the appointment's time; on PostgreSQL an
    exclusion constraint (migration 0006) forbids an interpreter two accepted
    assignments at overlapping times.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        ESCALATED = "escalated", _("Escalated")
        FALLBACK = "fallback", _("Telephone interpreting service")
        CANCELLED = "cancelled", _("Cancelled")

    # Which status may follow which; every change goes through `move_to`. Only staff calling it
    # off ends a fallback, and a cancelled request is replaced, never reopened.
    TRANSITIONS = {
        Status.OPEN: {Status.ACCEPTED, Status.ESCALATED, Status.FALLBACK, Status.CANCELLED},
        Status.ESCALATED: {Status.ACCEPTED, Status.FALLBACK, Status.CANCELLED},
        Status.ACCEPTED: {Status.OPEN, Status.CANCELLED},
        Status.FALLBACK: {Status.CANCELLED},
    }

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="interpreter_request"
    )
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    interpreter = models.ForeignKey(
        Interpreter, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    preferred_interpreter = models.ForeignKey(
        Interpreter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    blocked_from = models.DateTimeField(null=True)
    blocked_until = models.DateTimeField(null=True)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    pool_offered_at = models.DateTimeField(_("offered to all"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("coordinator alerted"), null=True, blank=True)
    fallback_at = models.DateTimeField(_("fallback chosen"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interpreter request")
        verbose_name_plural = _("interpreter requests")
        indexes = [models.Index(fields=["status", "language"], name="interpreter_request_open")]

    def __str__(self) -> str:
        return f"{self.appointment} → {self.language_id}"

    @classmethod
    def leading_to(cls, status: str) -> frozenset[str]:
        """The statuses a request may be in to move to `status` (for a conditional UPDATE)."""
        return frozenset(before for before, after in cls.TRANSITIONS.items() if status in after)

    def move_to(self, status: str) -> None:
        """Set the next status if the table allows it (the caller saves); anything else is refused."""
        if status not in self.TRANSITIONS.get(self.status, ()):
            raise NotAllowed
        self.status = status


class InterpreterDecline(models.Model):
    """An interpreter said no to a request (or withdrew from it), with their reason."""

    request = models.ForeignKey(InterpreterRequest, on_delete=models.CASCADE, related_name="declines")
    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="declines")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    withdrawn = models.BooleanField(_("withdrew after accepting"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("interpreter decline")
        verbose_name_plural = _("interpreter declines")

    def __str__(self) -> str:
        return f"{self.interpreter} ✗ {self.request_id}"


class GroupSessionInterpreter(models.Model):
    """An interpreter staff assigned to one of a group session's languages (one per language).

    The rules (the session's language, the interpreter's language and mode, free then) are
    checked in services/group_session_interpreters.py, under a lock of the interpreter's row.
    """

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="interpreters")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="group_sessions")
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("group session interpreter")
        verbose_name_plural = _("group session interpreters")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "language"], name="one_interpreter_per_session_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} → {self.language_id}: {self.interpreter}"


class Invitation(models.Model):
    """A caseworker's invitation of one known client: to one fixed time, or to pick a time in a window.

    The link's token and the letter's typed code are kept only as hashes and are single-use:
    once the client booked, declined, or the deadline passed, neither opens anything. A
    fixed-time invitation keeps its time as an appointment in status HELD (`appointment`), so
    the exclusion constraint keeps self-booking off it; booking through the invitation turns
    that appointment (or, in a window, a new one) into the booking. `team` is the set of
    caseworkers whose times a team invitation offers besides `caseworker`.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        BOOKED = "booked", _("Booked")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Withdrawn")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")

    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, unique=True)
    # The reminder carries a link of its own; both links open the invitation.
    reminder_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invitations")
    caseworker = models.ForeignKey(Caseworker, on_delete=models.PROTECT, related_name="invitations")
    team = models.ManyToManyField(Caseworker, blank=True, related_name="team_invitations")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="invitations")
    modes = models.JSONField(_("modes"), default=list, validators=[validate_modes])
    language = models.CharField(_("client's language"), max_length=12, default="de")
    interpreter_language = models.CharField(_("interpreter needed for"), max_length=12, blank=True)
    start = models.DateTimeField(_("fixed time"), null=True, blank=True)
    window_from = models.DateTimeField(_("choose from"), null=True, blank=True)
    window_until = models.DateTimeField(_("choose until"), null=True, blank=True)
    deadline = models.DateTimeField(_("answer by"))
    note = models.TextField(_("note to the client"), blank=True, max_length=500)
    channels = models.JSONField(_("sent by"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "deadline"], name="invitation_open_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=False, window_from__isnull=True, window_until__isnull=True)
                | Q(start__isnull=True, window_from__isnull=False, window_until__gt=F("window_from")),
                name="invitation_fixed_time_or_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.client_id}"


class PhoneVerification(models.Model):
    """A 6-digit SMS code sent to a number, and the token it is exchanged for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")

    def __str__(self) -> str:
        return str(self.id)


class InboundSms(models.Model):
    """An SMS a client sent us, by the provider's id only: a webhook the provider retries acts once.

    The unique id is the guard: a second delivery, even one running at the same moment, cannot
    insert it again. Neither sender nor text is kept.
    """

    message_sid = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("received SMS")
        verbose_name_plural = _("received SMS")

    def __str__(self) -> str:
        return self.message_sid


class SmsBudget(models.Model):
    """SMS codes sent for an office on one day (office empty: codes that named no office)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    day = models.DateField(_("day"))
    sent = models.PositiveIntegerField(_("codes sent"), default=0)
    alerted_at = models.DateTimeField(_("coordinator alerted"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS budget")
        verbose_name_plural = _("SMS budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day"],
                condition=Q(office__isnull=False),
                name="one_sms_budget_per_office_day",
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(office__isnull=True), name="one_sms_budget_per_day_without_office"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office or '-'} {self.day}: {self.sent}"


class Notification(models.Model):
    """One message to one person: the durable record a worker drives until it is sent or given up.

    Unique per appointment, kind, appointment version, channel and audience, so that
    nothing is sent twice and a moved appointment never fires its old reminder.
    """

    # Declared with each kind's audiences, channels, texts and due rule in appointments.outbox_kinds.
    Channel = outbox_kinds.Channel
    Kind = outbox_kinds.Kind
    Audience = outbox_kinds.Audience

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    appointment_version = models.PositiveIntegerField(default=0)
    invitation = models.ForeignKey(
        "Invitation", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    reminder_minutes = models.PositiveIntegerField(_("minutes before"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices, default=Audience.CLIENT)
    recipient = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=12, default="de")
    subject = models.CharField(max_length=200, blank=True)
    # Encrypted at rest: until sent it holds private links and codes (masked once done).
    body = SealedTextField(blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    delivery_status = models.CharField(_("delivery"), max_length=20, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-due_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="notification_due")]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "appointment",
                    "kind",
                    "reminder_minutes",
                    "appointment_version",
                    "channel",
                    "audience",
                    "recipient",
                ],
                condition=Q(appointment__isnull=False),
                name="one_message_per_appointment_version",
            ),
            models.UniqueConstraint(
                fields=["invitation", "kind", "channel", "recipient"],
                condition=Q(invitation__isnull=False),
                name="one_message_per_invitation_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"


class AuditEntry(models.Model):
    """Who viewed or changed which client's data, and when.

    Kept apart from what it describes: plain ids instead of foreign keys, so an entry
    outlives the erasure or anonymisation of the client and appointment it names, and
    no personal data of the client in it (the detail is a fixed word, never free text).
    """

    class Action(models.TextChoices):
        BOOKED = "booked", _("Booked")
        RESCHEDULED = "rescheduled", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        OUTCOME = "outcome", _("Outcome recorded")
        INTERPRETER = "interpreter", _("Interpreter changed")
        VIEWED_CONTACT = "viewed_contact", _("Contact details viewed")
        CONTACT_CHANGED = "contact_changed", _("Contact details changed")
        EXPORTED = "exported", _("Data exported")
        ERASED = "erased", _("Data erased")
        ANONYMISED = "anonymised", _("Anonymised after the retention period")
        INVITED = "invited", _("Invited")
        INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation withdrawn")
        INVITATION_EXPIRED = "invitation_expired", _("Invitation not answered in time")
        REASSIGNED = "reassigned", _("Moved to another caseworker")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    party = models.CharField(_("by"), max_length=10, choices=Appointment.Party.choices)
    actor_id = models.IntegerField(_("user id"), null=True, blank=True)
    actor_name = models.CharField(_("user"), max_length=150, blank=True)
    office_id = models.IntegerField(_("office id"), null=True, blank=True, db_index=True)
    client_id = models.IntegerField(_("client id"), null=True, blank=True, db_index=True)
    appointment_id = models.IntegerField(_("appointment id"), null=True, blank=True, db_index=True)
    appointment_reference = models.CharField(_("booking code"), max_length=12, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class StaffIdentity(models.Model):
    """A staff user's account at the job centre's identity provider: the provider's stable subject,
    never the e-mail address, which can change or be given to someone else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity")
    issuer = models.URLField(_("identity provider"), max_length=300)
    subject = models.CharField(_("subject"), max_length=255)
    roles = models.JSONField(_("roles at the last sign-in"), default=list)
    signed_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_identity")]
        verbose_name = _("sign-in account")
        verbose_name_plural = _("sign-in accounts")

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class CalendarLink(models.Model):
    """A caseworker's own calendar (an ICS address, e.g. Outlook's "publish calendar", or a CalDAV
    calendar), whose busy times block their consultation times; read every few minutes."""

    class Kind(models.TextChoices):
        ICS = "ics", _("ICS address")
        CALDAV = "caldav", _("CalDAV calendar")

    caseworker = models.OneToOneField(Caseworker, on_delete=models.CASCADE, related_name="calendar_link")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ICS)
    url = models.URLField(_("calendar address"), max_length=1000)
    username = models.CharField(_("user name (CalDAV)"), max_length=200, blank=True)
    # Encrypted at rest and never shown back: the admin and the staff page only set it.
    password = SealedTextField(_("password (CalDAV)"), blank=True)
    from_office = models.BooleanField(
        _("from the office's template"),
        default=False,
        help_text=_("Made from the office's calendar address template; a caseworker's own link replaces it."),
    )
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)
    last_tried_at = models.DateTimeField(_("last tried"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("own calendar")
        verbose_name_plural = _("own calendars")

    def __str__(self) -> str:
        return str(self.caseworker)


class CalendarBusy(models.Model):
    """One busy time from a caseworker's own calendar, as last read (recurrences expanded)."""

    link = models.ForeignKey(CalendarLink, on_delete=models.CASCADE, related_name="busy_times")
    caseworker = models.ForeignKey(Caseworker, on_delete=models.CASCADE, related_name="calendar_busy")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    all_day = models.BooleanField(_("all day"), default=False)

    class Meta:
        indexes = [models.Index(fields=["caseworker", "start"])]
        verbose_name = _("busy time from the own calendar")
        verbose_name_plural = _("busy times from own calendars")

    def __str__(self) -> str:
        return f"{self.caseworker} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"
