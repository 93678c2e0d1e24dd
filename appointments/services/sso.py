"""Staff signing in with the job centre's own accounts: the roles a group claim grants, and the
user and profiles they make or take away."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.exceptions import NotAllowed
from appointments.models import Caseworker, Interpreter, Office, StaffIdentity
from appointments.services.slot_cache import availability_changed

CASEWORKER, COORDINATOR, INTERPRETER = "caseworker", "coordinator", "interpreter"
KINDS = (CASEWORKER, COORDINATOR, INTERPRETER)


class SignInRefused(NotAllowed):
    status_code = 403
    default_message = _(
        "Your account has no role in Sprechstunde. Please ask your administrator to give you one."
    )


@dataclass(frozen=True, order=True)
class Role:
    """What one group grants: caseworker or coordinator at an office (by its slug), or interpreter."""

    kind: str
    office: str = ""

    def __str__(self) -> str:
        return f"{self.kind}@{self.office}" if self.office else self.kind


def parse_role(text: str) -> Role:
    kind, _at, office = text.strip().partition("@")
    if kind not in KINDS or (kind == INTERPRETER) == bool(office):
        raise ValueError(f"not a role: {text!r} (caseworker@<office>, coordinator@<office> or interpreter)")
    return Role(kind, office)


def roles_from_claims(claims: dict) -> list[Role]:
    """The roles the configured group claim grants (OIDC_ROLE_MAP); unknown groups grant nothing."""
    groups = claims.get(settings.OIDC_ROLE_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    granted = settings.OIDC_ROLE_MAP
    return sorted({parse_role(granted[group]) for group in groups if group in granted})


def _username(issuer: str, subject: str) -> str:
    """A user name that stays the same for the account and says nothing about the person."""
    return "sso-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:20]


def _name(claims: dict) -> str:
    name = claims.get(settings.OIDC_NAME_CLAIM) or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return str(name).strip()[:150]


def _apply_caseworker(user: AbstractBaseUser, roles: list[Role], name: str) -> None:
    """One caseworker profile per user: at the office of the first staff role, a coordinator if
    any role makes them one there; none active without such a role."""
    staff = [role for role in roles if role.kind in (CASEWORKER, COORDINATOR)]
    office = Office.objects.filter(slug=staff[0].office).first() if staff else None
    if office is None:
        Caseworker.objects.filter(user=user).update(active=False)
        availability_changed()
        return
    coordinator = any(role.kind == COORDINATOR and role.office == office.slug for role in staff)
    caseworker, _created = Caseworker.objects.get_or_create(
        user=user, defaults={"office": office, "display_name": name or user.get_username()}
    )
    caseworker.office = office
    caseworker.is_coordinator = coordinator
    caseworker.active = True
    if name:
        caseworker.display_name = name
    caseworker.save()


def _apply_interpreter(user: AbstractBaseUser, roles: list[Role], name: str, email: str) -> None:
    if not any(role.kind == INTERPRETER for role in roles):
        Interpreter.objects.filter(user=user).update(active=False)
        return
    interpreter, _created = Interpreter.objects.get_or_create(
        user=user, defaults={"name": name or user.get_username(), "email": email}
    )
    interpreter.active = True
    interpreter.name = name or interpreter.name
    interpreter.email = email or interpreter.email
    interpreter.save()


def sign_in_staff(*, issuer: str, claims: dict, now: datetime | None = None) -> AbstractBaseUser:
    """The user for these verified claims, created on the first sign-in and brought up to date on
    every one: name, e-mail and roles. Without a role the sign-in is refused, and profiles the
    account had are switched off (their pages and open feeds close)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(_("The identity provider sent no subject."))
    roles = roles_from_claims(claims)
    name = _name(claims)
    email = str(claims.get(settings.OIDC_EMAIL_CLAIM) or "")[:254]
    with transaction.atomic():
        identity = (
            StaffIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None and not roles:
            raise SignInRefused
        if identity is None:
            user = get_user_model().objects.create_user(_username(issuer, subject))
            identity = StaffIdentity(user=user, issuer=issuer, subject=subject)
        user = identity.user
        first, _space, last = name.partition(" ")
        user.first_name, user.last_name, user.email = first[:150], last[:150], email
        user.save()
        _apply_caseworker(user, roles, name)
        _apply_interpreter(user, roles, name, email)
        identity.roles = [str(role) for role in roles]
        identity.signed_in_at = now or timezone.now()
        identity.save()
    if not roles:
        raise SignInRefused
    return user
