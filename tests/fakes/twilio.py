"""A local stand-in for Twilio's REST API: the real twilio client talks to it over HTTP."""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Reply:
    status: int = 201
    body: dict | None = None
    delay: float = 0.0


@dataclass
class FakeTwilio:
    """Answers POST …/Messages.json with the queued replies (then 201s), recording every request."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    delay: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake._lock:
                    reply = fake.replies.pop(0) if fake.replies else Reply()
                    sid = f"SM{next(fake._ids):032d}"
                    fake.requests.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "at": time.time(),
                            **form,
                        }
                    )
                time.sleep(reply.delay or fake.delay)
                body = (
                    reply.body
                    if reply.body is not None
                    else {"sid": sid, "status": "queued", "to": form.get("To")}
                )
                payload = json.dumps(body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def error(self, status: int, code: int | None = None, delay: float = 0.0) -> None:
        self.replies.append(
            Reply(status, {"status": status, "code": code, "message": f"error {code}"}, delay)
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


AUTH_TOKEN = "secret-token"


def send_sms_through(fake: FakeTwilio, settings, *, token: str = AUTH_TOKEN, timeout: float = 0.5) -> None:
    """Point the Twilio SMS back end (the real client) at `fake`, for one test's `settings`."""
    settings.SMS_BACKEND = "appointments.providers.sms.TwilioBackend"
    settings.TWILIO_API_BASE = fake.url
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = token
    settings.TWILIO_FROM = "+4930123456"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_TIMEOUT_SECONDS = timeout
