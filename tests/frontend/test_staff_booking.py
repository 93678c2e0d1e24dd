"""Booking for a client who phoned: staff only, own clients only, nothing written before the last step."""

from datetime import datetime

import pytest
from django.core.cache import cache

from appointments.models import Appointment, AuditEntry, Client, Notification
from tests.factories import (
    CaseworkerFactory,
    ExtraHoursFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.frontend.conftest import FIRST_SLOT
from tests.scenario import ENGLISH, MONDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

NEW_CLIENT = {
    "action": "new",
    "name": "Bernd Becker",
    "phone": "0151 2345 6789",
    "email": "",
    "customer_number": "123D456789",
    "language": "tr",
    "sms_consent": "on",
}
REQUEST = {"mode": "telephone", "language": "de", "interpreter_language": "", "who": "me"}


def step_url(location, step):
    """The URL of another step of the same draft: /fachkraft/buchen/<draft>/<step>/."""
    return location.rsplit("/", 2)[0] + f"/{step}/"


def start_new_client(client, **fields):
    response = client.post("/fachkraft/buchen/", {**NEW_CLIENT, **fields})
    assert response.status_code == 302, response.content
    assert response["Location"].endswith("/anliegen/")
    return response["Location"]


def walk_to_confirm(client, draft_url, topic, *, start=FIRST_SLOT, **request):
    answered = client.post(draft_url, {**REQUEST, "topic": topic.slug, **request})
    assert answered.status_code == 302, answered.content
    assert answered["Location"] == step_url(draft_url, "zeit")
    chosen = client.post(answered["Location"], {"start": start})
    assert chosen.status_code == 302, chosen.content
    assert chosen["Location"] == step_url(draft_url, "bestaetigen")
    return chosen["Location"]


@pytest.fixture
def staff(client, caseworker):
    client.force_login(caseworker.user)
    return client


def test_login_is_required(client):
    response = client.get("/fachkraft/buchen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("who", ["interpreter", "client", "inactive"])
def test_other_users_get_404(client, staff, caseworker, topic, who):
    draft_url = start_new_client(staff)
    if who == "interpreter":
        user = InterpreterFactory(user=UserFactory()).user
    elif who == "inactive":
        user = CaseworkerFactory(office=topic.office, topics=[topic], active=False).user
    else:
        user = UserFactory()
    client.force_login(user)

    assert client.get("/fachkraft/buchen/").status_code == 404
    assert client.post("/fachkraft/buchen/", NEW_CLIENT).status_code == 404
    assert client.get(draft_url).status_code == 404
    assert not Client.objects.exists()


@pytest.mark.parametrize("typed", ["0151 2345 6789", "+4915123456789", "015123456789", "k-42 7"])
def test_search_finds_own_client_by_phone_or_customer_number(staff, caseworker, typed):
    book(
        caseworker.topics.get(),
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        customer_number="K427",
    )

    page = staff.post("/fachkraft/buchen/", {"action": "search", "query": typed}, headers=ENGLISH)

    assert page.status_code == 200
    found = page.text.split('<ul class="found">')[1].split("</ul>")[0]
    assert "Book for Aylin Demir" in found
    assert "…789" in found
    assert "6789" not in found.replace("…789", "")  # the number is not shown in full


def test_search_does_not_find_a_colleagues_client(staff, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)
    theirs = book(
        colleague.topics.get(), MONDAY_9, caseworker=colleague, booked_by=colleague.user, mode="telephone"
    ).appointment

    page = staff.post("/fachkraft/buchen/", {"action": "search", "query": "0151 23456789"}, headers=ENGLISH)

    assert "No client found" in page.text
    assert "Aylin" not in page.text
    assert 'value="+4915123456789"' in page.text  # the new-client form has the number already
    # Nor can the client be picked by posting its id.
    assert staff.post("/fachkraft/buchen/", {"action": "pick", "client": theirs.client_id}).status_code == 404


def test_search_does_not_find_a_client_of_another_office_for_a_coordinator(client, caseworker, topic):
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    other_topic = TopicFactory(office=OfficeFactory())
    elsewhere = CaseworkerFactory(office=other_topic.office, topics=[other_topic])
    week_of_hours(elsewhere)
    book(
        caseworker.topics.get(),
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        name="Aylin Demir",
        phone="0151 23450001",
    )
    book(
        elsewhere.topics.get(),
        MONDAY_9,
        caseworker=elsewhere,
        booked_by=elsewhere.user,
        mode="telephone",
        name="Cem Yilmaz",
        phone="0151 23450002",
    )
    client.force_login(coordinator.user)

    ours = client.post("/fachkraft/buchen/", {"action": "search", "query": "0151 23450001"})
    theirs = client.post("/fachkraft/buchen/", {"action": "search", "query": "0151 23450002"})

    assert "Aylin Demir" in ours.text
    assert "Cem Yilmaz" not in theirs.text


def test_books_for_a_new_client(staff, caseworker, topic):
    draft_url = start_new_client(staff)
    confirm_url = walk_to_confirm(staff, draft_url, topic, interpreter_language="ar")
    summary = staff.get(confirm_url, headers=ENGLISH)
    assert "Bernd Becker" in summary.text
    assert Appointment.objects.count() == 0  # nothing is written before the last step

    booked = staff.post(confirm_url)

    assert booked.status_code == 302
    assert booked["Location"] == step_url(draft_url, "gebucht")
    appointment = Appointment.objects.get()
    person = appointment.client
    assert (person.name, person.phone, person.customer_number, person.language, person.sms_consent) == (
        "Bernd Becker",
        "+4915123456789",
        "123D456789",
        "tr",
        True,
    )
    assert appointment.booked_by == caseworker.user
    assert appointment.caseworker == caseworker
    assert appointment.start == MONDAY_9
    assert (appointment.mode, appointment.language, appointment.interpreter_language) == (
        "telephone",
        "de",
        "ar",
    )
    audit = AuditEntry.objects.get(action=AuditEntry.Action.BOOKED)
    assert audit.appointment_id == appointment.pk
    assert audit.actor_id == caseworker.user.pk
    assert audit.party == Appointment.Party.STAFF
    confirmation = Notification.objects.get(
        appointment=appointment,
        kind=Notification.Kind.CONFIRMATION,
        channel=Notification.Channel.SMS,
        audience=Notification.Audience.CLIENT,
    )
    assert confirmation.recipient == "+4915123456789"
    assert confirmation.language == "tr"

    done = staff.get(booked["Location"], headers=ENGLISH)
    assert done.status_code == 200
    assert appointment.reference in done.text
    assert f'href="/fachkraft/termin/{appointment.pk}/"' in done.text
    assert 'href="/fachkraft/?tag=2026-11-30"' in done.text


def test_books_for_an_existing_client_without_changing_them(staff, caseworker, topic):
    earlier = book(
        caseworker.topics.get(),
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        email="aylin@example.org",
        customer_number="K1",
        client_language="ar",
    ).appointment
    picked = staff.post("/fachkraft/buchen/", {"action": "pick", "client": earlier.client_id})
    assert picked.status_code == 302

    confirm_url = walk_to_confirm(staff, picked["Location"], topic, start="2026-11-30T10:00:00+01:00")
    staff.post(confirm_url)

    assert Client.objects.count() == 1
    appointment = Appointment.objects.exclude(pk=earlier.pk).get()
    assert appointment.client_id == earlier.client_id
    assert appointment.booked_by == caseworker.user
    person = Client.objects.get()
    assert (person.name, person.email, person.customer_number, person.language) == (
        "Aylin Demir",
        "aylin@example.org",
        "K1",
        "ar",
    )


def test_slot_taken_meanwhile_gives_409_and_the_times_again(staff, caseworker, topic):
    confirm_url = walk_to_confirm(staff, start_new_client(staff), topic)
    # The 09:00 slot goes.
    book(
        caseworker.topics.get(),
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        phone="0151 23450009",
        name="Someone Else",
    )

    response = staff.post(confirm_url, headers=ENGLISH)

    assert response.status_code == 409
    assert "This time was just taken" in response.text
    assert 'name="start" value="2026-11-30T09:30:00+01:00"' in response.text
    assert 'value="2026-11-30T09:00:00+01:00"' not in response.text
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(name="Bernd Becker").exists()


def test_a_double_submit_books_once(staff, topic):
    confirm_url = walk_to_confirm(staff, start_new_client(staff), topic)

    first = staff.post(confirm_url)
    second = staff.post(confirm_url)

    assert first["Location"] == second["Location"] == step_url(confirm_url, "gebucht")
    assert Appointment.objects.count() == 1


def test_a_double_submit_while_the_first_still_books_books_nothing(staff, topic):
    """The second request comes while the first holds the lock and has not saved the session yet."""
    confirm_url = walk_to_confirm(staff, start_new_client(staff), topic)
    draft_id = confirm_url.rsplit("/", 3)[1]
    user_id = staff.session["_auth_user_id"]
    cache.add(f"staff-booking:{user_id}:{draft_id}", 0)

    second = staff.post(confirm_url)

    assert second.status_code == 302
    assert Appointment.objects.count() == 0
    assert "being saved" in staff.get(second["Location"], headers=ENGLISH).text


def test_bad_new_client_details_write_nothing(staff):
    response = staff.post(
        "/fachkraft/buchen/",
        {**NEW_CLIENT, "phone": "0611 1234567", "name": " ", "email": "nope"},
        headers=ENGLISH,
    )

    assert response.status_code == 400
    assert "Please enter a valid mobile number" in response.text
    assert "Please enter the client&#x27;s name." in response.text
    assert "Please enter a valid e-mail address" in response.text
    assert not staff.session.get("staff_bookings")
    assert not Client.objects.exists()


def test_a_mode_the_topic_does_not_offer_is_refused(staff, topic):
    video_only = TopicFactory(office=topic.office, modes=["video"])
    draft_url = start_new_client(staff)

    response = staff.post(draft_url, {**REQUEST, "topic": video_only.slug, "who": "office"}, headers=ENGLISH)
    nobody_offers = staff.post(
        draft_url, {**REQUEST, "topic": topic.slug, "mode": "in_person"}, headers=ENGLISH
    )

    assert response.status_code == 400
    assert "cannot be booked for this kind of consultation" in response.text
    assert nobody_offers.status_code == 400
    assert "Please choose the kind of consultation." in nobody_offers.text
    assert "staff_bookings" not in staff.session or "topic" not in next(
        iter(staff.session["staff_bookings"].values())
    )


def test_a_time_not_offered_is_refused(staff, topic):
    draft_url = start_new_client(staff)
    staff.post(draft_url, {**REQUEST, "topic": topic.slug})

    response = staff.post(
        step_url(draft_url, "zeit"), {"start": "2026-11-30T09:07:00+01:00"}, headers=ENGLISH
    )

    assert response.status_code == 400
    assert "This time is not offered." in response.text
    assert 'value="2026-11-30T09:00:00+01:00"' in response.text
    # The confirm step sends back to the times: no start was kept.
    assert staff.get(step_url(draft_url, "bestaetigen"))["Location"] == step_url(draft_url, "zeit")


def test_any_caseworker_of_the_office(client, caseworker, topic):
    """A coordinator who holds no consultations books with whoever is free."""
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    client.force_login(coordinator.user)
    draft_url = start_new_client(client)
    page = client.get(draft_url, headers=ENGLISH)
    assert 'value="me"' not in page.text

    client.post(walk_to_confirm(client, draft_url, topic, who="office"))

    appointment = Appointment.objects.get()
    assert appointment.caseworker == caseworker
    assert appointment.booked_by == coordinator.user


def test_only_own_times_unless_widened(staff, caseworker, topic):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    ExtraHoursFactory(caseworker=colleague, date=MONDAY_9.date(), start_time=datetime(1, 1, 1, 14).time())
    draft_url = start_new_client(staff)
    staff.post(draft_url, {**REQUEST, "topic": topic.slug})
    times_url = step_url(draft_url, "zeit")

    own = staff.get(times_url)
    widened = staff.post(times_url, {"who": "office"})
    everyone = staff.get(widened["Location"])

    assert "2026-11-30T14:00:00+01:00" not in own.text
    assert "2026-11-30T14:00:00+01:00" in everyone.text


def test_an_unknown_draft_leads_back_to_the_start(staff):
    response = staff.get("/fachkraft/buchen/4b0c3a5e-8d4e-4f1a-9a57-000000000000/zeit/")
    assert response.status_code == 302
    assert response["Location"] == "/fachkraft/buchen/"


def test_with_me_only_for_a_topic_i_hold(staff, topic):
    not_mine = TopicFactory(office=topic.office)
    draft_url = start_new_client(staff)

    response = staff.post(draft_url, {**REQUEST, "topic": not_mine.slug}, headers=ENGLISH)

    assert response.status_code == 400
    assert "You do not hold consultations on this topic." in response.text


def test_a_superuser_books_with_any_caseworker(client, caseworker, topic):
    client.force_login(UserFactory(is_superuser=True))

    client.post(walk_to_confirm(client, start_new_client(client), topic, who="office"))

    appointment = Appointment.objects.get()
    assert appointment.caseworker == caseworker
    assert appointment.booked_by.is_superuser


def test_topics_of_another_office_are_not_offered(staff, topic):
    elsewhere = TopicFactory(office=OfficeFactory())
    draft_url = start_new_client(staff)

    page = staff.get(draft_url)
    response = staff.post(draft_url, {**REQUEST, "topic": elsewhere.slug, "who": "office"})

    assert elsewhere.name not in page.text
    assert response.status_code == 400


def test_a_customer_number_not_found_is_carried_into_the_new_client_form(staff):
    page = staff.post("/fachkraft/buchen/", {"action": "search", "query": "123D 456"})

    assert 'name="customer_number" value="123D 456"' in page.text
    assert 'name="name" maxlength="200" autofocus' in page.text


def test_a_new_client_whose_number_another_office_serves_keeps_their_record(staff, topic):
    elsewhere = CaseworkerFactory(office=OfficeFactory(), topics=[TopicFactory()])
    elsewhere.topics.update(office=elsewhere.office)
    week_of_hours(elsewhere)
    known = book(
        elsewhere.topics.get(),
        MONDAY_9,
        caseworker=elsewhere,
        booked_by=elsewhere.user,
        mode="telephone",
        email="aylin@example.org",
    ).appointment.client

    confirm_url = walk_to_confirm(staff, start_new_client(staff), topic)
    booked = staff.post(confirm_url, follow=True, headers=ENGLISH)

    assert booked.status_code == 200
    assert "known with other details, which were kept" in booked.text
    known.refresh_from_db()
    assert (known.name, known.email, known.customer_number) == ("Aylin Demir", "aylin@example.org", "")
    assert Appointment.objects.get(topic=topic).client == known
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CONTACT_CHANGED).exists()
