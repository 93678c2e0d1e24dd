"""Forms of the login pages: the code from the authenticator app, the password once more."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.fields import SixDigitCodeField


class TokenForm(forms.Form):
    code = SixDigitCodeField(
        label=gettext_lazy("6-digit code from your app"),
        required_message=gettext_lazy("Please enter the 6-digit code from your app."),
        invalid_message=gettext_lazy("The code has 6 digits."),
    )


class PasswordAgainForm(forms.Form):
    """The password once more, before the second factor is switched off."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Please enter your password.")},
    )

    def __init__(self, data=None, *, user) -> None:
        super().__init__(data)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong")
        return password
