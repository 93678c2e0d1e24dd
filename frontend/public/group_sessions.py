"""The client's step for a group topic: its sessions with the places left, and what a full one says."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appointments.models import Topic
from appointments.services.group_sessions import SessionFull, upcoming_sessions
from appointments.services.texts import when


def _label(moment) -> str:
    said = when(translation.get_language(), moment)
    return _("%(date)s, %(time)s") % {"date": said["long_date"], "time": said["time"]}


def sessions_page(topic: Topic) -> dict:
    zone = topic.office.zone
    sessions = []
    for entry in upcoming_sessions(topic):
        session = entry.session
        said = when(translation.get_language(), session.start.astimezone(zone))
        sessions.append(
            {
                "value": session.pk,
                "date": said["long_date"],
                "time": said["time"],
                "left": entry.left,
                "places": ngettext("%(left)d place left", "%(left)d places left", entry.left)
                % {"left": entry.left},
                "languages": [language.name for language in session.languages.all()],
            }
        )
    return {"topic": topic, "sessions": sessions, "office_phone": topic.office.phone}


def session_full(exc: SessionFull) -> str:
    """What to say when the last place went while the client filled in the form."""
    if exc.next_session is None:
        return f"{exc.message} {_('There is no other date with free places at the moment.')}"
    later = _label(exc.next_session.start.astimezone(exc.next_session.topic.office.zone))
    return f"{exc.message} " + _("The next date with free places: %(when)s.") % {"when": later}
