"""Data protection pages: coordinators of the office only; find, export, erase; the audit log."""

import json

import pytest

from appointments.models import Appointment, AuditEntry, Client
from appointments.services.audit import record_audit
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, UserFactory, week_of_hours
from tests.scenario import AYLIN_IN_FULL, ENGLISH, MONDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def appointment(topic, caseworker):
    return book(
        topic, MONDAY_9, caseworker=caseworker, booked_by=caseworker.user, client=AYLIN_IN_FULL
    ).appointment


@pytest.fixture
def coordinator(office):
    return CaseworkerFactory(office=office, is_coordinator=True)


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator.user)
    return client


def pages(appointment):
    client_id = appointment.client_id
    return [
        ("get", "/fachkraft/datenschutz/"),
        ("get", f"/fachkraft/datenschutz/kunde/{client_id}/"),
        ("post", f"/fachkraft/datenschutz/kunde/{client_id}/export/"),
        ("get", f"/fachkraft/datenschutz/kunde/{client_id}/loeschen/"),
        ("post", f"/fachkraft/datenschutz/kunde/{client_id}/loeschen/"),
        ("get", "/fachkraft/protokoll/"),
    ]


def test_login_is_required(client, appointment):
    for method, url in pages(appointment):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else None)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/konto/login/")


def test_a_plain_caseworker_gets_404(client, appointment, caseworker):
    client.force_login(caseworker.user)
    for method, url in pages(appointment):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else None)
        assert response.status_code == 404, url
    assert Client.objects.get().name == "Aylin Demir"
    assert not AuditEntry.objects.filter(action__in=["exported", "erased"]).exists()


def test_a_coordinator_of_another_office_gets_404_for_the_client(client, appointment):
    client.force_login(CaseworkerFactory(office=OfficeFactory(), is_coordinator=True).user)
    for method, url in pages(appointment)[1:5]:
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else None)
        assert response.status_code == 404, url
    found = client.post("/fachkraft/datenschutz/", {"suche": appointment.reference})
    assert found.status_code == 200
    assert "Aylin" not in found.text
    assert Client.objects.get().name == "Aylin Demir"


@pytest.mark.parametrize("query", ["reference", "0151 23456789", "+4915123456789", "123D456789"])
def test_find_a_client(as_coordinator, appointment, query):
    query = appointment.reference if query == "reference" else query

    page = as_coordinator.post("/fachkraft/datenschutz/", {"suche": query}, headers=ENGLISH)

    assert page.status_code == 200
    assert f"/fachkraft/datenschutz/kunde/{appointment.client_id}/" in page.text
    assert "Aylin Demir" in page.text
    results = page.text.split('id="results"')[1]
    assert "…789" in results
    assert "3456789" not in results  # the number only as its last digits
    assert 'aria-current="page">Data protection' in page.text


def test_a_searched_number_stays_out_of_the_address(as_coordinator, appointment):
    page = as_coordinator.get("/fachkraft/datenschutz/", {"suche": "0151 23456789"}, headers=ENGLISH)

    assert "Aylin Demir" not in page.text  # a GET does not search
    assert 'method="post"' in page.text.split('role="search"')[0].rsplit("<form", 1)[1]


def test_nothing_found(as_coordinator, appointment):
    page = as_coordinator.post("/fachkraft/datenschutz/", {"suche": "XXXXXXXX"}, headers=ENGLISH)
    assert "No client of this office matches." in page.text


def test_the_client_page_shows_what_is_stored(as_coordinator, appointment):
    page = as_coordinator.get(f"/fachkraft/datenschutz/kunde/{appointment.client_id}/", headers=ENGLISH)

    assert page.status_code == 200
    assert "Aylin Demir" in page.text
    assert "123D456789" in page.text
    assert "aylin@example.org" not in page.text
    assert "<dt>Upcoming appointments</dt><dd>1</dd>" in page.text
    assert f"/fachkraft/datenschutz/kunde/{appointment.client_id}/export/" in page.text
    assert f"/fachkraft/protokoll/?kunde={appointment.client_id}" in page.text


def test_export_downloads_json_and_is_logged(as_coordinator, appointment, coordinator):
    response = as_coordinator.post(f"/fachkraft/datenschutz/kunde/{appointment.client_id}/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="client-{appointment.client_id}.json"'
    data = json.loads(response.content)
    assert data["client"]["name"] == "Aylin Demir"
    assert [a["reference"] for a in data["appointments"]] == [appointment.reference]
    assert {m["kind"] for m in data["messages"]} >= {"confirmation"}
    assert appointment.manage_token_hash not in response.content.decode()
    entry = AuditEntry.objects.get(action="exported")
    assert (entry.actor_id, entry.client_id) == (coordinator.user.pk, appointment.client_id)


def test_export_is_not_a_get(as_coordinator, appointment):
    response = as_coordinator.get(f"/fachkraft/datenschutz/kunde/{appointment.client_id}/export/")
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="exported").exists()


def test_erasure_needs_the_confirmation(as_coordinator, appointment):
    url = f"/fachkraft/datenschutz/kunde/{appointment.client_id}/loeschen/"
    form = as_coordinator.get(url, headers=ENGLISH)
    assert form.status_code == 200
    assert 'name="confirm"' in form.text
    assert 'for="confirm"' in form.text

    refused = as_coordinator.post(url, {}, headers=ENGLISH)

    assert refused.status_code == 200
    assert "Please tick the box" in refused.text
    assert Client.objects.get().name == "Aylin Demir"
    assert Appointment.objects.get().status == "booked"


def test_erasure_cancels_and_anonymises(as_coordinator, appointment, coordinator):
    url = f"/fachkraft/datenschutz/kunde/{appointment.client_id}/loeschen/"

    response = as_coordinator.post(url, {"confirm": "yes"}, headers=ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == f"/fachkraft/datenschutz/kunde/{appointment.client_id}/"
    person = Client.objects.get()
    assert (person.name, person.phone, person.email) == ("–", f"anon-{person.pk}", "")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert AuditEntry.objects.get(action="erased").actor_id == coordinator.user.pk
    page = as_coordinator.get(response["Location"], headers=ENGLISH)
    assert "was erased" in page.text
    assert "Aylin" not in page.text
    assert "/loeschen/" not in page.text


@pytest.fixture
def known_elsewhere(appointment):
    """The same person's appointment at another office, with that office's note."""
    topic = TopicFactory(office=OfficeFactory())
    worker = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(worker)
    there = book(topic, MONDAY_9, sms_consent=False, booked_by=worker.user).appointment
    Appointment.objects.filter(pk=there.pk).update(outcome_note="Notiz des anderen Standorts")
    return there


def test_the_export_of_a_person_known_elsewhere_is_this_offices_part(
    as_coordinator, appointment, known_elsewhere
):
    response = as_coordinator.post(f"/fachkraft/datenschutz/kunde/{appointment.client_id}/export/")

    data = json.loads(response.content)
    assert [a["reference"] for a in data["appointments"]] == [appointment.reference]
    assert known_elsewhere.reference not in response.content.decode()
    assert "Notiz des anderen" not in response.content.decode()


def test_erasing_a_person_known_elsewhere_erases_this_offices_part(
    as_coordinator, appointment, known_elsewhere
):
    url = f"/fachkraft/datenschutz/kunde/{appointment.client_id}/loeschen/"

    response = as_coordinator.post(url, {"confirm": "yes"}, headers=ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == "/fachkraft/datenschutz/"
    person = Client.objects.get(pk=appointment.client_id)
    assert person.name == "Aylin Demir"
    assert list(person.appointments.all()) == [known_elsewhere]
    page = as_coordinator.get(response["Location"], headers=ENGLISH)
    assert "Other offices still serve this client" in page.text
    assert as_coordinator.get(f"/fachkraft/datenschutz/kunde/{person.pk}/").status_code == 404


def test_audit_log_of_the_office_filtered_and_paginated(as_coordinator, appointment, office):
    other = OfficeFactory()
    record_audit(action="viewed_contact", client=appointment.client, office=other)
    for _ in range(60):
        record_audit(
            action="viewed_contact",
            actor=UserFactory(username="fk"),
            client=appointment.client,
            office=office,
        )
    someone_else = Client.objects.create(name="Bernd Becker", phone="+4915123450002")
    record_audit(action="exported", client=someone_else, office=office)

    first = as_coordinator.get("/fachkraft/protokoll/", headers=ENGLISH)
    assert first.status_code == 200
    assert first.text.count("<tr data-entry=") == 50
    assert "Page 1 of 2" in first.text
    second = as_coordinator.get("/fachkraft/protokoll/", {"seite": 2}, headers=ENGLISH)
    assert second.text.count("<tr data-entry=") == 62 - 50  # 60 + booked + exported; not the other office's

    mine = as_coordinator.get("/fachkraft/protokoll/", {"kunde": appointment.client_id, "seite": 2})
    assert mine.text.count("<tr data-entry=") == 11
    assert f"kunde={appointment.client_id}&amp;seite=1" in mine.text
    by_code = as_coordinator.get("/fachkraft/protokoll/", {"code": appointment.reference.lower()})
    assert by_code.text.count("<tr data-entry=") == 1
    assert appointment.reference in by_code.text
    assert "Bernd" not in first.text
    assert as_coordinator.get("/fachkraft/protokoll/", {"kunde": "x", "seite": "999"}).status_code == 200
