"""An e-mail back end for development: prints each message and keeps it for /dev/outbox/."""

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend


class OutboxEmailBackend(ConsoleEmailBackend):
    """Django's console back end that also writes each message as .eml into OUTBOX_DIR."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if settings.OUTBOX_DIR:
            folder = Path(settings.OUTBOX_DIR)
            folder.mkdir(parents=True, exist_ok=True)
            for number, message in enumerate(email_messages):
                name = f"mail-{datetime.now(UTC):%Y%m%d%H%M%S%f}-{number}.eml"
                (folder / name).write_bytes(message.message().as_bytes())
        return sent
