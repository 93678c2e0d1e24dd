"""Debian's Chromium for Playwright: where it is, and the flags it needs on these machines (E2E-NOTES)."""

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fake camera and microphone, with permission granted, for the call tests.
MEDIA_ARGS = [*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
