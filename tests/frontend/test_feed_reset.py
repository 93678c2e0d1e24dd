"""Resetting one's own calendar feed address: the old address stops working, the new one works."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from appointments.models import Caseworker, Interpreter
from appointments.services.calendar import feed_token
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

FEED = re.compile(r'value="http://testserver(/calendar/[^"]+\.ics)"')


def feed_on(page) -> str:
    match = FEED.search(page.text)
    assert match, page.text
    return match.group(1)


def test_a_caseworker_gets_a_new_address_and_the_old_one_stops_working(client, caseworker):
    reset = "/fachkraft/kalender/neu/"
    client.force_login(caseworker.user)
    old = feed_on(client.get("/fachkraft/"))
    assert client.get(old).status_code == 200

    response = client.post(reset, follow=True, headers={"accept-language": "de"})

    new = feed_on(response)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert "Ihr Kalender hat eine neue Adresse" in response.text
    assert f'action="{reset}"' in response.text


def test_an_interpreter_gets_a_new_address_and_the_old_one_stops_working(client):
    interpreter = InterpreterFactory(user=UserFactory(), languages=["ar"])
    client.force_login(interpreter.user)
    old = feed_on(client.get("/dolmetschen/"))

    response = client.post("/dolmetschen/kalender/neu/", follow=True, headers={"accept-language": "en"})

    new = feed_on(response)
    assert (client.get(old).status_code, client.get(new).status_code) == (404, 200)
    assert "Your calendar has a new address" in response.text
    assert "New calendar address" in response.text


def test_the_reset_is_post_only(client, caseworker):
    client.force_login(caseworker.user)
    token = feed_token(caseworker)

    assert client.get("/fachkraft/kalender/neu/").status_code == 405

    caseworker.refresh_from_db()
    assert feed_token(caseworker) == token


@pytest.mark.parametrize("model", [Caseworker, Interpreter])
def test_the_admin_resets_the_feed_of_the_selected_only(client, caseworker, model):
    admin_user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    if model is Caseworker:
        chosen, other = caseworker, CaseworkerFactory(office=caseworker.office)
    else:
        chosen, other = InterpreterFactory(), InterpreterFactory()
    old, kept = feed_token(chosen), feed_token(other)
    changelist = reverse(f"admin:appointments_{model._meta.model_name}_changelist")

    response = client.post(
        changelist, {"action": "reset_calendar_feed", "_selected_action": [chosen.pk]}, follow=True
    )

    assert response.status_code == 200
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert feed_token(chosen) != old
    assert feed_token(other) == kept
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert "reset_calendar_feed" in admin.site._registry[model].get_actions(response.wsgi_request)
