"""URLs of the staff login (`konto/`): password and code, the job centre's own accounts, logout,
two-factor set-up, password change."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy

from frontend import accounts, sso

password_change = auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change.html",
    success_url=reverse_lazy("password_change_done"),
)
password_changed = auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_changed.html"
)

urlpatterns = [
    path("login/", accounts.login, name="login"),
    path("login/code/", accounts.login_code, name="login-code"),
    path("logout/", accounts.logout, name="logout"),
    # The job centre's own accounts (OpenID Connect), when OIDC_ISSUER is set.
    path("sso/", sso.SignInStart.as_view(), name="sso-start"),
    path("sso/zurueck/", sso.SignInCallback.as_view(), name="sso-callback"),
    path("zwei-faktor/", accounts.otp_setup, name="otp-setup"),
    path("zwei-faktor/entfernen/", accounts.otp_remove, name="otp-remove"),
    path("passwort/", login_required(password_change), name="password_change"),
    path("passwort/geaendert/", login_required(password_changed), name="password_change_done"),
]
