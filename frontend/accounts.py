"""Staff login: password, then a TOTP code for those who set one up; lockout (django-axes); 2FA set-up.

A user with a confirmed TOTP device has no logged-in session until the code is right: the password step
only leaves a short-lived note in the session. Wrong codes are login failures for django-axes just as
wrong passwords are, so the six digits cannot be guessed any faster than a password.

Switching the second factor off asks for the password again (a forgotten open session is not enough).
An office can make the second factor mandatory for its coordinators: until they have set it up, every
page but the set-up (and logout, password change) sends them there, and they cannot switch it off.
A sign-in through the job centre's own provider (frontend/sso.py) needs neither: the provider decides.
"""

import time
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from appointments.services.permissions import caseworker_for, interpreter_for, second_factor_required
from frontend.account_forms import PasswordAgainForm, TokenForm
from frontend.sso import SIGNED_IN_WITH, SSO, provider_logout_url, sso_enabled

# Between the password and the code: who, through which backend, where to afterwards, since when.
PENDING_KEY = "login_pending"
PENDING_SECONDS = 5 * 60


def signed_in_with_provider(session) -> bool:
    """The job centre's provider vouched for this session and asked for its own factors; our second
    factor is for passwords."""
    return session.get(SIGNED_IN_WITH) == SSO


def needs_second_factor(user) -> bool:
    """Whether this session still lacks the code: the user has a confirmed device and did not enter it."""
    return not user.is_verified() and user_has_device(user, confirmed=True)


def lacks_required_second_factor(user) -> bool:
    """Whether the user's office asks them for a second factor that they have not set up yet."""
    return second_factor_required(user) and not user_has_device(user, confirmed=True)


# What a coordinator who must set up the second factor can still open: the set-up and the ways out.
SET_UP_FIRST_PAGES = ("otp-setup", "logout", "password_change", "password_change_done", "set_language")


def _open_before_set_up(path: str) -> bool:
    return path.startswith(settings.STATIC_URL) or path in {reverse(name) for name in SET_UP_FIRST_PAGES}


class SecondFactorMiddleware:
    """A session that lacks the code of a user with a TOTP device counts as not logged in, everywhere.

    Our login never makes such a session, but one made before two-factor was switched on, or by
    another login form, must not open a page, the API or the admin: one place decides for all.
    A coordinator whose office makes the second factor mandatory and who has none yet is sent to set
    it up (the API answers 403) before anything else works.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if signed_in_with_provider(request.session):
            pass
        elif user.is_authenticated and needs_second_factor(user):
            request.user = AnonymousUser()
        elif (
            user.is_authenticated
            and not _open_before_set_up(request.path)
            and lacks_required_second_factor(user)
        ):
            return _set_up_first(request)
        return self.get_response(request)


def _set_up_first(request):
    """The set-up page (which says why); the API says it in its JSON."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Your office asks coordinators to use two-factor login. Please set it up first.")},
            status=403,
        )
    return redirect("otp-setup")


def landing_url(user) -> str:
    """Where a user starts after logging in: caseworkers their day, interpreters their requests."""
    if caseworker_for(user) is not None:
        return reverse("staff:day")
    if interpreter_for(user) is not None:
        return reverse("interpreter:overview")
    if user.is_superuser:
        return reverse("admin:index")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def safe_next_url(request, url: str | None) -> str:
    """The `next` address if it stays on this site, otherwise nothing (no open redirect)."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a page saying how long to wait, status 429."""
    request.session.pop(PENDING_KEY, None)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and not settings.LOCAL_LOGIN:
        return HttpResponseNotAllowed(["GET"])
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not user_has_device(user, confirmed=True):
            auth_login(request, user)
            return redirect(next_url or landing_url(user))
        auth_logout(request)  # nobody stays logged in in this browser meanwhile; also a fresh session key
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": next_url,
            "since": time.time(),
        }
        return redirect("login-code")
    context = {"form": form, "next": next_url, "sso": sso_enabled(), "local_login": settings.LOCAL_LOGIN}
    return render(request, "registration/login.html", context)


def _pending_user(request):
    """The user who passed the password step in this session a few minutes ago, or None."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    return get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Please log in again."))
        return redirect("login")
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["code"]
        device = next((d for d in devices_for_user(user, confirmed=True) if d.verify_token(token)), None)
        if device is not None:
            pending = request.session.pop(PENDING_KEY)
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"] or landing_url(user))
        form.add_error("code", _("The code is not correct. Please enter the current code from your app."))
        # Counted like a wrong password; django-axes' middleware answers with the lockout page at the limit.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return render(request, "registration/login_code.html", {"form": form})


@require_POST
def logout(request):
    """Ends our session and, after a sign-in through the job centre's provider, the provider's too."""
    end_at_provider = provider_logout_url(request, request.session.get("oidc_id_token"))
    auth_logout(request)
    if end_at_provider:
        return redirect(end_at_provider)
    messages.success(request, _("You are logged out."))
    return redirect("login")


def _qr_code(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG data URI for an <img> (the CSP allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def _secret(device: TOTPDevice) -> str:
    """The key for typing in by hand, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
@never_cache
def otp_setup(request):
    """Two-factor login: set up an authenticator app (QR code or key, then a code to confirm)."""
    user = request.user
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if confirmed is not None:
        return _active_page(request, confirmed, PasswordAgainForm(user=user))
    # The same key across reloads until confirmed, so a scanned code keeps working.
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(
                request, _("Two-factor login is on. From now on you also enter a code when you log in.")
            )
            return redirect("otp-setup")
        form.add_error("code", _("The code is not correct. Please enter the current code from your app."))
    context = {
        "nav": "otp",
        "form": form,
        "qr_code": _qr_code(device),
        "secret": _secret(device),
        "required": second_factor_required(user),
    }
    return render(request, "frontend/staff/otp_setup.html", context)


def _active_page(request, device: TOTPDevice, form: PasswordAgainForm, *, status: int = 200):
    context = {"nav": "otp", "device": device, "form": form, "required": second_factor_required(request.user)}
    return render(request, "frontend/staff/otp_active.html", context, status=status)


@sensitive_post_parameters("password")
@require_POST
@login_required
def otp_remove(request):
    """Switch the second factor off: with the password again, and never where the office requires it."""
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        return redirect("otp-setup")
    if second_factor_required(user):
        messages.error(request, _("Your office asks coordinators to use two-factor login; it stays on."))
        return redirect("otp-setup")
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = PasswordAgainForm(request.POST, user=user)
    if not form.is_valid():
        # Counted like a wrong password at login: an open session does not help to guess it.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return _active_page(request, device, form, status=400)
    TOTPDevice.objects.devices_for_user(user).delete()
    messages.success(request, _("Two-factor login is off. You log in with your password only."))
    return redirect("otp-setup")
