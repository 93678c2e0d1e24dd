"""Chromium reports no CSP violation on the booking start, the video call page and the API docs."""

import pytest

from tests.realtime.conftest import make_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Collected before any page script runs; init scripts are the browser's, not subject to the page's CSP.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def visit(browser, url: str, ready: str) -> tuple[list[str], list[str]]:
    """Open the page until `ready` shows; the console's CSP complaints and the violation events."""
    page = browser.new_context().new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    events = page.evaluate("window.cspViolations")
    page.context.close()
    return [text for text in console if "Content Security Policy" in text], events


def test_no_csp_violations_on_the_booking_start_the_call_and_the_api_docs(browser, live_server, bookable):
    call = make_call(topic=bookable)
    pages = {
        "/": "main form",
        f"/video/{call.reference}/{call.token}/": "#enter",
        "/api/docs/": ".swagger-ui .opblock",  # rendered by Swagger UI's script from the schema
    }

    for path, ready in pages.items():
        complaints, violations = visit(browser, f"{live_server.url}{path}", ready)
        assert complaints == [], path
        assert violations == [], path


def test_the_check_would_see_a_violation(browser, live_server, bookable):
    page = browser.new_context().new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; document.head.append(s); }"
    )
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in text for text in console)
