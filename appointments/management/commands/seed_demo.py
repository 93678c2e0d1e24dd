"""manage.py seed_demo: a demo job centre with staff, hours, topics, interpreters and bookings; safe to rerun.

Everything is keyed on stable names (office slug, usernames, topic slugs), so a second
run changes nothing; demo bookings are made through the booking service, and only
while the office has none. Phone numbers come from the ranges the Bundesnetzagentur
keeps free for films and books ("drama numbers"), so no real person gets a demo SMS.
Every demo login has the password DEMO_PASSWORD: for a local demo only, which is why
the command refuses to run with DEBUG off unless told --force.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from appointments.exceptions import ApplicationError
from appointments.models import (
    Absence,
    Appointment,
    AvailabilityRule,
    CalendarLink,
    Caseworker,
    Client,
    FederalState,
    Interpreter,
    InterpreterLanguage,
    Invitation,
    Language,
    Mode,
    Office,
    StaffIdentity,
    Topic,
)
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.group_calls import group_modes
from appointments.services.group_session_interpreters import assign_group_interpreter
from appointments.services.group_sessions import book_place, schedule_group_session
from appointments.services.invitations import invitation_link, invite_client
from appointments.services.own_calendars import read_calendar
from appointments.services.references import new_reference
from appointments.services.tokens import new_token

DEMO_PASSWORD = "demo-sprechstunde"  # noqa: S105 (documented demo login, refused with DEBUG off)
BOTH = (Mode.TELEPHONE, Mode.VIDEO)
PHONE_ONLY = (Mode.TELEPHONE,)
VIDEO_ONLY = (Mode.VIDEO,)
MON_FRI = (0, 1, 2, 3, 4)

OFFICE = {
    "slug": "musterstadt",
    "name": "Jobcenter Musterstadt",
    "state": FederalState.HE,
    "time_zone": "Europe/Berlin",
    "phone": "069 90009 100",  # a Frankfurt drama number
    "require_phone_verification": True,
}


@dataclass(frozen=True)
class TopicSpec:
    slug: str
    name: str
    description: str
    minutes: int
    buffer_after_minutes: int = 0


TOPICS = (
    TopicSpec(
        "buergergeld",
        "Fragen zum Bürgergeld",
        "Antrag, Bescheid, Weiterbewilligung, Unterlagen.",
        30,
    ),
    TopicSpec(
        "arbeitsvermittlung",
        "Arbeitsvermittlung",
        "Stellensuche, Bewerbungen, Eingliederungsvereinbarung.",
        45,
        buffer_after_minutes=5,
    ),
    TopicSpec("weiterbildung", "Weiterbildung", "Kurse, Bildungsgutschein, Sprachkurse.", 30),
    TopicSpec("kurze-rueckfrage", "Kurze Rückfrage", "Eine kurze Frage, die schnell geklärt ist.", 15),
)
# The topics in other languages (written by the project team); the rest of the languages show German.
TOPIC_TRANSLATIONS = {
    "gruppeninfo": {
        "en": {
            "name": "Group information: new at the job centre",
            "description": "New at the job centre? Rights, duties, offers. In a group.",
        },
        "tr": {
            "name": "Grup bilgilendirmesi: Jobcenter'da yeni",
            "description": "Jobcenter'a yeni misiniz? Haklar, görevler, imkânlar. Grupla.",
        },
        "ar": {
            "name": "جلسة معلومات جماعية: جديد في مركز العمل",
            "description": "لكل من هو جديد في مركز العمل: الحقوق والواجبات والعروض. في مجموعة.",
        },
    },
    "buergergeld": {
        "en": {
            "name": "Questions about Bürgergeld",
            "description": "Application, decision, renewal, documents.",
        },
        "tr": {
            "name": "Vatandaşlık parası (Bürgergeld) soruları",
            "description": "Başvuru, karar, uzatma, belgeler.",
        },
        "ar": {
            "name": "أسئلة حول إعانة المواطن (Bürgergeld)",
            "description": "الطلب، القرار، التمديد، المستندات.",
        },
        "de-x-ls": {
            "name": "Fragen zum Bürgergeld",
            "description": (
                "Bürgergeld ist Geld vom Jobcenter.\n"
                "Sie haben Fragen zum Antrag?\n"
                "Oder zum Brief vom Jobcenter?"
            ),
        },
    },
    "arbeitsvermittlung": {
        "en": {"name": "Finding work", "description": "Job search, applications, integration agreement."},
        "tr": {"name": "İş bulma", "description": "İş arama, başvurular, entegrasyon anlaşması."},
        "ar": {"name": "البحث عن عمل", "description": "البحث عن وظيفة، طلبات التوظيف، اتفاقية الاندماج."},
        "de-x-ls": {
            "name": "Arbeit finden",
            "description": "Sie suchen eine Arbeit?\nWir helfen Ihnen dabei.",
        },
    },
    "weiterbildung": {
        "en": {"name": "Further training", "description": "Courses, education voucher, language courses."},
        "tr": {"name": "Mesleki eğitim", "description": "Kurslar, eğitim çeki, dil kursları."},
        "ar": {"name": "التدريب المهني", "description": "دورات، قسيمة التعليم، دورات اللغة."},
    },
    "kurze-rueckfrage": {
        "en": {"name": "Quick question", "description": "A short question that is quickly answered."},
        "tr": {"name": "Kısa soru", "description": "Hızlıca yanıtlanabilecek kısa bir soru."},
        "ar": {"name": "سؤال قصير", "description": "سؤال قصير تتم الإجابة عليه بسرعة."},
    },
}

# A group information session (tomorrow; by video where Janus runs), and a client with a place in it.
GROUP_TOPIC = TopicSpec(
    "gruppeninfo",
    "Gruppeninformation: Neu im Jobcenter",
    "Für alle, die neu beim Jobcenter sind: Rechte, Pflichten, Angebote. In der Gruppe.",
    60,
)
GROUP_CLIENT = ClientDetails(name="Yusuf Karimi", phone="+49 171 3920009", language="de", sms_consent=True)


@dataclass(frozen=True)
class Hours:
    weekdays: tuple[int, ...]
    start: time
    end: time
    modes: tuple[str, ...] = BOTH


@dataclass(frozen=True)
class CaseworkerSpec:
    username: str
    first_name: str
    last_name: str
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    hours: tuple[Hours, ...]
    coordinator: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ALL_TOPICS = tuple(topic.slug for topic in TOPICS)

# `make sso-provider` and its accounts (tests/oidc_demo_accounts.json): username -> subject.
SSO_DEMO_ISSUER = "http://127.0.0.1:9000"
DEMO_CALENDAR = "appointments/demo-own-calendar.ics"  # a weekly team meeting, Wednesdays 10-11
SSO_DEMO_SUBJECTS = {"koordination": "demo-koordination", "m.yilmaz": "demo-fachkraft"}

CASEWORKERS = (
    CaseworkerSpec(
        "koordination",
        "Sabine",
        "Keller",
        ("de", "en"),
        ("buergergeld", "weiterbildung", "kurze-rueckfrage"),
        (Hours(MON_FRI, time(9), time(12)),),
        coordinator=True,
    ),
    CaseworkerSpec(
        "m.yilmaz",
        "Mehmet",
        "Yılmaz",
        ("de", "tr", "en"),
        ("buergergeld", "arbeitsvermittlung", "kurze-rueckfrage"),
        (Hours(MON_FRI, time(8), time(12)), Hours((3,), time(14), time(18))),
    ),
    CaseworkerSpec(
        "o.kovalenko",
        "Olena",
        "Kovalenko",
        ("de", "uk", "ru"),
        ("arbeitsvermittlung", "weiterbildung", "kurze-rueckfrage"),
        (
            Hours((0, 1, 2, 3), time(8, 30), time(12, 30), VIDEO_ONLY),
            Hours((0, 1, 2, 3), time(13, 30), time(15, 30), PHONE_ONLY),
        ),
    ),
    CaseworkerSpec(
        "j.becker",
        "Jonas",
        "Becker",
        ("de",),
        ("arbeitsvermittlung", "weiterbildung", "kurze-rueckfrage"),
        (Hours(MON_FRI, time(8), time(12), PHONE_ONLY), Hours((1, 3), time(13), time(16))),
    ),
    CaseworkerSpec(
        "l.haddad",
        "Layla",
        "Haddad",
        ("de", "ar", "en"),
        ("buergergeld", "kurze-rueckfrage"),
        (Hours((0, 2, 4), time(9), time(13)), Hours((1, 3), time(13), time(17), VIDEO_ONLY)),
    ),
    CaseworkerSpec(
        "p.wagner",
        "Petra",
        "Wagner",
        ("de", "ru"),
        ALL_TOPICS,
        (Hours(MON_FRI, time(7, 30), time(11, 30), PHONE_ONLY), Hours((2,), time(12, 30), time(15))),
    ),
)


@dataclass(frozen=True)
class AbsenceSpec:
    """An absence next week: `weekday` of next week's Monday-based days, local times."""

    username: str
    kind: str
    weekday: int
    start: time
    end: time
    days: int = 0  # ends `days` after the start day


ABSENCES = (
    AbsenceSpec("j.becker", Absence.Kind.HOLIDAY, 0, time(0), time(0), days=3),
    AbsenceSpec("p.wagner", Absence.Kind.TRAINING, 2, time(9), time(12)),
    AbsenceSpec("l.haddad", Absence.Kind.OTHER, 4, time(9), time(11)),
)


@dataclass(frozen=True)
class InterpreterSpec:
    username: str
    name: str
    phone: str
    agency: str
    languages: tuple[tuple[str, str], ...]  # (language code, dialect note)
    modes: tuple[str, ...] = BOTH


INTERPRETERS = (
    InterpreterSpec(
        "i.alkhatib",
        "Samir Al-Khatib",
        "+49 171 3920090",
        "Sprachmittlerpool Rhein-Main",
        (("ar", "Syrisch, Irakisch und Hocharabisch; kein maghrebinisches Arabisch"),),
        (*BOTH, Mode.IN_PERSON),  # also at the job centre: the demo's group session may be held there
    ),
    InterpreterSpec(
        "i.aydin",
        "Elif Aydın",
        "+49 171 3920091",
        "",
        (("tr", "Türkeitürkisch"),),
    ),
    InterpreterSpec(
        "i.shevchenko",
        "Iryna Shevchenko",
        "+49 171 3920092",
        "Sprachmittlerpool Rhein-Main",
        (("uk", ""),),
        VIDEO_ONLY,
    ),
    InterpreterSpec(
        "i.volkov",
        "Dmitri Volkov",
        "+49 171 3920093",
        "",
        (("ru", ""),),
        PHONE_ONLY,
    ),
    InterpreterSpec(
        "i.ahmadi",
        "Farid Ahmadi",
        "+49 171 3920094",
        "Sprachmittlerpool Rhein-Main",
        (
            ("prs", "Dari (afghanisches Persisch), Muttersprache"),
            ("fa", "Farsi (iranisches Persisch); Dari und Farsi bitte getrennt anfragen"),
        ),
    ),
)


@dataclass(frozen=True)
class BookingSpec:
    """A demo booking: the `nth` free start on the `day`-th day that has one, from tomorrow on."""

    topic: str
    mode: str
    client: ClientDetails
    day: int
    nth: int
    language: str = "de"
    interpreter_language: str | None = None


BOOKINGS = (
    BookingSpec(
        "buergergeld",
        Mode.TELEPHONE,
        ClientDetails(name="Aylin Demir", phone="+49 171 3920001", language="tr", sms_consent=True),
        day=0,
        nth=0,
        language="tr",
    ),
    BookingSpec(
        "arbeitsvermittlung",
        Mode.VIDEO,
        ClientDetails(
            name="Thomas Schulz",
            phone="+49 171 3920002",
            email="thomas.schulz@example.org",
            customer_number="962D104711",
            sms_consent=True,
        ),
        day=0,
        nth=2,
    ),
    BookingSpec(
        "buergergeld",
        Mode.VIDEO,
        ClientDetails(name="Fatima Al-Sayed", phone="+49 171 3920003", language="ar", sms_consent=True),
        day=1,
        nth=1,
        interpreter_language="ar",
    ),
    BookingSpec(
        "weiterbildung",
        Mode.VIDEO,
        ClientDetails(name="Nataliia Bondarenko", phone="+49 171 3920004", language="uk", sms_consent=True),
        day=2,
        nth=0,
        language="uk",
    ),
    BookingSpec(
        "kurze-rueckfrage",
        Mode.TELEPHONE,
        ClientDetails(name="Kevin Schneider", phone="+49 171 3920005", sms_consent=True),
        day=1,
        nth=3,
    ),
    BookingSpec(
        "arbeitsvermittlung",
        Mode.TELEPHONE,
        ClientDetails(name="Marija Petrović", phone="+49 171 3920006", language="ru", sms_consent=True),
        day=3,
        nth=1,
        language="ru",
    ),
)

# Whose logins the command prints at the end.
SHOWN_CASEWORKER = "m.yilmaz"
SHOWN_INTERPRETER = "i.alkhatib"
BOOKING_DAYS = 14
PAST_DAYS = 28


class Command(BaseCommand):
    help = "Create a demo office with staff, topics, interpreters and a few bookings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (creates known demo logins)"
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates logins with a known password; it runs only with DEBUG on "
                "(or pass --force on a throw-away database)."
            )
        now = timezone.now()
        with transaction.atomic():
            office = self._office()
            topics = self._topics(office)
            caseworkers = self._caseworkers(office, topics)
            self._absences(office, caseworkers, now)
            self._interpreters()
            booked = self._bookings(
                office, topics, booked_by=caseworkers[CASEWORKERS[0].username].user, now=now
            )
            self._past_appointments(office, caseworkers, now)
            invited = self._invitations(office, topics, caseworkers[SHOWN_CASEWORKER], now)
            self._sign_in_accounts(caseworkers)
            self._own_calendar(caseworkers[SHOWN_CASEWORKER], now)
            self._group_session(office, caseworkers[SHOWN_CASEWORKER], now)
        self._report(office, booked)
        if invited:
            self.stdout.write("Open invitations, their messages go to the outbox (/dev/outbox/):")
            for label, text in invited:
                self.stdout.write(f"  {label + ':':20} {text}")

    def _own_calendar(self, caseworker: Caseworker, now) -> None:
        """A weekly team meeting in the caseworker's own calendar, served by the demo's static files
        (the message worker reads it again every few minutes) and read once now."""
        link, _ = CalendarLink.objects.update_or_create(
            caseworker=caseworker, defaults={"url": f"{settings.SITE_URL}/static/{DEMO_CALENDAR}"}
        )
        read_calendar(link, ics=(Path(__file__).parents[2] / "static" / DEMO_CALENDAR).read_bytes(), now=now)

    def _group_session(self, office: Office, host: Caseworker, now: datetime) -> None:
        """A group information session at the office tomorrow, at the first hour the host and the
        shown interpreter are free, in German and Arabic with them interpreting, with 12 places and
        one of them booked: by video where Janus runs (`make run` starts it when Debian's janus is
        installed), otherwise at the job centre."""
        modes = group_modes()
        topic = self._topic(office, GROUP_TOPIC, len(TOPICS), modes=list(modes), group=True)
        if topic.group_sessions.exists():  # like the bookings: once, not again at every run
            return
        tomorrow = office.today(now) + timedelta(days=1)
        for hour in range(9, 17):
            try:
                with transaction.atomic():  # a session whose interpreter is busy then is not kept
                    session = schedule_group_session(
                        topic=topic,
                        start=datetime.combine(tomorrow, time(hour), tzinfo=office.zone),
                        hosts=[host],
                        capacity=12,
                        mode=modes[-1],
                        languages=Language.objects.filter(code__in=["de", "ar"]),
                        now=now,
                    )
                    assign_group_interpreter(
                        session=session,
                        language=Language.objects.get(code="ar"),
                        interpreter=Interpreter.objects.get(user__username=SHOWN_INTERPRETER),
                        now=now,
                    )
            except ApplicationError:
                continue
            book_place(session=session, client=GROUP_CLIENT, booked_by=host.user, now=now)
            return

    def _sign_in_accounts(self, caseworkers: dict[str, Caseworker]) -> None:
        """Two demo logins as accounts of `make sso-provider`, so signing in there lands in them."""
        for username, subject in SSO_DEMO_SUBJECTS.items():
            StaffIdentity.objects.update_or_create(
                user=caseworkers[username].user, defaults={"issuer": SSO_DEMO_ISSUER, "subject": subject}
            )

    def _office(self) -> Office:
        office, _ = Office.objects.update_or_create(
            slug=OFFICE["slug"], defaults={k: v for k, v in OFFICE.items() if k != "slug"}
        )
        return office

    def _topics(self, office: Office) -> dict[str, Topic]:
        return {spec.slug: self._topic(office, spec, position) for position, spec in enumerate(TOPICS)}

    @staticmethod
    def _topic(office: Office, spec: TopicSpec, position: int, **extra) -> Topic:
        defaults = {
            "name": spec.name,
            "description": spec.description,
            "translations": TOPIC_TRANSLATIONS.get(spec.slug, {}),
            "duration": timedelta(minutes=spec.minutes),
            "buffer_after": timedelta(minutes=spec.buffer_after_minutes),
            "modes": list(BOTH),
            "active": True,
            "position": position,
        }
        topic, _ = Topic.objects.update_or_create(office=office, slug=spec.slug, defaults=defaults | extra)
        return topic

    def _user(self, username: str, *, first_name: str, last_name: str, admin: bool = False):
        user, created = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@musterstadt.example",
                "is_staff": admin,
                "is_superuser": admin,
                "is_active": True,
            },
        )
        if created:
            # Only on creation: a rerun must not change (re-salt) the stored password.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _caseworkers(self, office: Office, topics: dict[str, Topic]) -> dict[str, Caseworker]:
        caseworkers = {}
        for spec in CASEWORKERS:
            user = self._user(
                spec.username, first_name=spec.first_name, last_name=spec.last_name, admin=spec.coordinator
            )
            caseworker, _ = Caseworker.objects.update_or_create(
                user=user,
                defaults={
                    "office": office,
                    "display_name": spec.display_name,
                    "is_coordinator": spec.coordinator,
                    "active": True,
                },
            )
            caseworker.languages.set(spec.languages)
            caseworker.topics.set([topics[slug] for slug in spec.topics])
            for hours in spec.hours:
                for weekday in hours.weekdays:
                    AvailabilityRule.objects.update_or_create(
                        caseworker=caseworker,
                        weekday=weekday,
                        start_time=hours.start,
                        defaults={"end_time": hours.end, "modes": list(hours.modes)},
                    )
            caseworkers[spec.username] = caseworker
        return caseworkers

    def _absences(self, office: Office, caseworkers: dict[str, Caseworker], now: datetime) -> None:
        today = office.today(now)
        next_monday = today + timedelta(days=7 - today.weekday())
        for spec in ABSENCES:
            day = next_monday + timedelta(days=spec.weekday)
            Absence.objects.get_or_create(
                caseworker=caseworkers[spec.username],
                kind=spec.kind,
                start=datetime.combine(day, spec.start, tzinfo=office.zone),
                end=datetime.combine(day + timedelta(days=spec.days), spec.end, tzinfo=office.zone),
            )

    def _interpreters(self) -> None:
        for spec in INTERPRETERS:
            first_name, _, last_name = spec.name.partition(" ")
            user = self._user(spec.username, first_name=first_name, last_name=last_name)
            interpreter, _ = Interpreter.objects.update_or_create(
                user=user,
                defaults={
                    "name": spec.name,
                    "phone": spec.phone.replace(" ", ""),
                    "email": user.email,
                    "agency": spec.agency,
                    "modes": list(spec.modes),
                    "sms_consent": True,
                    "active": True,
                },
            )
            for code, note in spec.languages:
                InterpreterLanguage.objects.update_or_create(
                    interpreter=interpreter, language_id=code, defaults={"dialect_note": note}
                )

    def _bookings(self, office: Office, topics: dict[str, Topic], *, booked_by, now: datetime) -> int:
        if Appointment.objects.filter(topic__office=office).exists():
            return 0
        first_day = office.today(now) + timedelta(days=1)
        booked = 0
        for spec in BOOKINGS:
            topic = topics[spec.topic]
            start = self._pick_start(topic, spec, first_day, now)
            if start is None:
                self.stderr.write(f"No free time for the demo booking of {spec.client.name}; skipped.")
                continue
            book_appointment(
                topic=topic,
                mode=spec.mode,
                start=start,
                client=spec.client,
                language=spec.language,
                interpreter_language=spec.interpreter_language,
                booked_by=booked_by,
                now=now,
            )
            booked += 1
        return booked

    def _invitations(
        self, office: Office, topics: dict[str, Topic], caseworker: Caseworker, now: datetime
    ) -> list[tuple[str, str]]:
        """Three open invitations of the shown caseworker: a fixed time by SMS (an interpreter
        comes along), a window by SMS and e-mail, and one by letter only; once per office."""
        if Invitation.objects.filter(topic__office=office).exists():
            return []
        topic = topics["buergergeld"]
        today = office.today(now)
        slots = free_slots(
            topic=topic,
            date_from=today + timedelta(days=2),
            date_to=today + timedelta(days=BOOKING_DAYS),
            caseworker_ids=[caseworker.pk],
            now=now,
        )
        if not slots:
            self.stderr.write("No free time for the demo invitations; skipped.")
            return []
        day_before = datetime.combine(slots[0].start.date() - timedelta(days=1), time(18), tzinfo=office.zone)
        deadline = day_before if day_before > now else slots[0].start - timedelta(hours=2)
        window_end = office.day_bounds(today, today + timedelta(days=BOOKING_DAYS - 1))[1]
        evening = datetime.combine(today, time(18), tzinfo=office.zone)
        common = {"caseworker": caseworker, "topic": topic, "invited_by": caseworker.user, "now": now}
        fixed = invite_client(
            **common,
            client=ClientDetails(
                name="Samir Haddad", phone="+49 171 3920011", language="ar", sms_consent=True
            ),
            modes=list(BOTH),
            start=slots[0].start,
            deadline=deadline,
            interpreter_language="ar",
            note="Bitte halten Sie Ihren Bescheid bereit.",
            channels=[Invitation.Channel.SMS],
        )
        window = invite_client(
            **common,
            client=ClientDetails(
                name="Elif Kaya",
                phone="+49 171 3920012",
                email="elif.kaya@example.org",
                language="tr",
                sms_consent=True,
            ),
            modes=list(BOTH),
            window=(now, window_end),
            deadline=evening + timedelta(days=5),
            channels=[Invitation.Channel.SMS, Invitation.Channel.EMAIL],
        )
        letter = invite_client(
            **common,
            client=ClientDetails(name="Jan Becker", phone="+49 171 3920013"),
            modes=[Mode.TELEPHONE],
            window=(now, window_end),
            deadline=evening + timedelta(days=7),
            channels=[Invitation.Channel.LETTER],
        )
        return [
            ("fixed time (SMS)", invitation_link(fixed.token)),
            ("window (SMS, e-mail)", invitation_link(window.token)),
            ("letter code", f"{letter.code} at {settings.SITE_URL}/e/"),
        ]

    def _past_appointments(self, office: Office, caseworkers: dict[str, Caseworker], now: datetime) -> None:
        """Four weeks of held, missed and cancelled consultations, so the figures page has something to show.

        Written as rows, not through the booking service: it books only the future.
        """
        if Appointment.objects.filter(topic__office=office, start__lt=now).exists():
            return
        clients = list(Client.objects.filter(appointments__topic__office=office).distinct().order_by("pk"))
        today = office.today(now)
        rows = []
        for n, day in enumerate(today - timedelta(days=back) for back in range(PAST_DAYS, 0, -1)):
            for m, caseworker in enumerate(caseworkers.values()):
                rule = caseworker.availability_rules.filter(weekday=day.weekday()).first()
                topic = caseworker.topics.first()
                if rule is None or topic is None or not clients:
                    continue
                client = clients[(n + m) % len(clients)]
                start = datetime.combine(day, rule.start_time, tzinfo=office.zone)
                # Every 7th a no-show, every 11th cancelled, the rest held; modes and languages alternate.
                status = (
                    Appointment.Status.NO_SHOW
                    if (n + m) % 7 == 0
                    else Appointment.Status.CANCELLED
                    if (n + m) % 11 == 0
                    else Appointment.Status.COMPLETED
                )
                appointment = Appointment(
                    reference=new_reference(),
                    manage_token_hash=new_token()[1],
                    client=client,
                    caseworker=caseworker,
                    topic=topic,
                    mode=topic.modes[(n + m) % len(topic.modes)],
                    language=client.language,
                    status=status,
                    cancelled_by=Appointment.Party.CLIENT if status == Appointment.Status.CANCELLED else "",
                )
                # End and buffers as booking sets them, so the past looks like booked days did.
                appointment.set_times(start, topic)
                rows.append(appointment)
        Appointment.objects.bulk_create(rows)

    @staticmethod
    def _pick_start(topic: Topic, spec: BookingSpec, first_day: date, now: datetime) -> datetime | None:
        slots = free_slots(
            topic=topic,
            date_from=first_day,
            date_to=first_day + timedelta(days=BOOKING_DAYS),
            mode=spec.mode,
            # With an interpreter the consultation is held in German by anyone.
            language=None if spec.interpreter_language else spec.language,
            now=now,
        )
        zone = topic.office.zone
        by_day: dict[date, list[datetime]] = {}
        for slot in slots:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot.start)
        if not by_day:
            return None
        days = sorted(by_day)
        starts = by_day[days[min(spec.day, len(days) - 1)]]
        return starts[min(spec.nth, len(starts) - 1)]

    def _report(self, office: Office, booked: int) -> None:
        coordinator = CASEWORKERS[0].username
        site = settings.SITE_URL
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo office {office.name!r} ({office.slug}) is ready: {len(CASEWORKERS)} caseworkers, "
                f"{len(TOPICS)} topics, {len(INTERPRETERS)} interpreters, {booked} new bookings."
            )
        )
        self.stdout.write("Demo logins (username / password), for a local demo only:")
        for role, username in (
            ("coordinator, admin", coordinator),
            ("caseworker", SHOWN_CASEWORKER),
            ("interpreter", SHOWN_INTERPRETER),
        ):
            self.stdout.write(f"  {role + ':':20} {username} / {DEMO_PASSWORD}")
        self.stdout.write(f"Admin: {site}/admin/")
