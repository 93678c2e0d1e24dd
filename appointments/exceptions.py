"""Domain errors; one DRF exception handler turns them into JSON 4xx answers."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A rule of the domain said no; `field` names the input at fault, if any."""

    status_code = 400
    default_message = _("This request cannot be carried out.")

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class SlotNotOffered(ApplicationError):
    default_message = _("This time is not offered. Please choose one of the times shown.")


class SlotTaken(ApplicationError):
    status_code = 409
    default_message = _("This time was just taken. Please choose another time.")


class NotFound(ApplicationError):
    """There is no such thing for this person: refusals look the same as absence, so nothing leaks."""

    status_code = 404
    default_message = _("Not found.")


class InvalidDate(ApplicationError):
    """A date (or month, or time) from a request that is malformed or outside the calendar we serve."""


class InvalidPhoneNumber(ApplicationError):
    default_message = _("Please enter a valid mobile number, for example 0151 23456789 or +49 151 23456789.")


class NotAllowed(ApplicationError):
    """The appointment's state or the office's policy does not allow this change."""

    status_code = 409


class VerificationFailed(ApplicationError):
    default_message = _("The code is wrong or has expired. Please request a new code.")


class TooManyRequests(ApplicationError):
    status_code = 429
    default_message = _("Too many attempts. Please wait a moment and try again.")


class CallingCodeNotAllowed(InvalidPhoneNumber):
    """No SMS to this country: the message names the calling codes that are accepted."""


class SmsBudgetExhausted(TooManyRequests):
    """The office's SMS codes for today are spent; the message asks the client to call."""


class TooManyBookings(NotAllowed):
    """The client has as many upcoming appointments as the office allows."""
