# The two set-up commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) $(wildcard /root/.pyenv/versions/3.12*/bin/python3) python3.12)
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/sprechstunde
# These targets are development's, the demo's and CI's: DEBUG on (backend/settings.py has it off
# unless set), so the console SMS and e-mail back ends and /dev/outbox/ work.
export DEBUG ?= true

.PHONY: run test bench install lock audit lint format messages browser janus node sso-provider clean

# Everything is installed from requirements.lock: every package pinned, every file checked by its hash.
# A lock that lacks a pin of requirements*.txt stops here with "run make lock".
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements.lock requirements-runtime.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m backend.dependencies check-locks
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

# After changing requirements*.txt: the locks again, with hashes (requirements-runtime.lock is what the
# image installs). Pins already in a lock stay as they are; `make lock UPGRADE=1` moves them all to
# the newest releases. Asks PyPI, and without a network uv's cache.
UV := $(VENV)/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --universal --python-version 3.12 --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock:
	test -x $(UV) || { test -x $(PY) || $(PYTHON) -m venv $(VENV); \
		$(PY) -m pip install --quiet "$$(grep -E '^uv==' requirements-dev.txt)"; }
	$(UV_COMPILE) requirements-dev.txt -o requirements.lock || \
		{ echo "PyPI did not answer: locking from uv's cache"; \
		  $(UV_COMPILE) --offline requirements-dev.txt -o requirements.lock; }
	$(UV_COMPILE) requirements.txt -c requirements.lock -o requirements-runtime.lock || \
		$(UV_COMPILE) --offline requirements.txt -c requirements.lock -o requirements-runtime.lock
	$(PY) -m backend.dependencies check-locks
	@echo "Locks written; \`make install\` installs them."

# Known vulnerabilities in the locked set (pip-audit); skipped, with the reason, when offline.
audit: install
	$(PY) -m backend.dependencies audit

# gettext's msgfmt compiles the translations; Debian ships it in `gettext`. The invitation
# letters (PDF) are set in DejaVu Sans from `fonts-dejavu-core` (LETTER_FONT_DIR), Tigrinya's
# Ge'ez script in Abyssinica SIL from `fonts-sil-abyssinica` (LETTER_FALLBACK_FONTS).
messages: install
	command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf && \
		test -f /usr/share/fonts/truetype/abyssinica/AbyssinicaSIL-Regular.ttf || \
		(apt-get update -qq && apt-get install -y -qq fonts-dejavu-core fonts-sil-abyssinica >/dev/null)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

# Where Debian's janus is installed (`make browser`), the demo's group sessions are video calls on a
# local Janus (deploy/janus/start.sh on loopback, demo secrets, config in .janus-demo/); without it
# they are held at the job centre, and video calls stay on the mesh of three.
DEMO_JANUS_URL = http://127.0.0.1:8088/janus
DEMO_JANUS = VIDEO_BACKEND=janus JANUS_URL=$(DEMO_JANUS_URL) JANUS_PUBLIC_URL=$(DEMO_JANUS_URL) \
	JANUS_TOKEN_SECRET=demo-janus-token-secret JANUS_ROOM_ADMIN_KEY=demo-janus-room-key \
	JANUS_CONFIG_DIR=$(CURDIR)/.janus-demo

run: messages janus
	$(PY) manage.py migrate --noinput
	trap 'kill 0' INT TERM EXIT; \
	if command -v janus >/dev/null; then \
		export $(DEMO_JANUS); \
		echo "Group calls on Janus ($(DEMO_JANUS_URL)); its log: .janus-demo/janus.log"; \
		mkdir -p .janus-demo && deploy/janus/start.sh --log-file $(CURDIR)/.janus-demo/janus.log >/dev/null 2>&1 & \
	else \
		echo "Janus is not installed (make browser installs it): group sessions in person, calls of 3 at most"; \
	fi; \
	$(PY) manage.py seed_demo || exit 1; \
	echo "Starting Sprechstunde on http://127.0.0.1:8000 (Ctrl-C stops web and workers)"; \
	echo "Messages the demo sends: http://127.0.0.1:8000/dev/outbox/"; \
	$(PY) manage.py db_worker & \
	$(PY) manage.py run_message_worker & \
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The browser tests (tests/e2e) drive Debian's Chromium (Playwright cannot download its own here);
# the forced-relay call test starts Debian's coturn; the group-call tests start Debian's janus
# (with envsubst from gettext-base); docker-compose (no engine needed) validates deploy/compose.yaml.
browser: janus
	command -v chromium >/dev/null && command -v turnserver >/dev/null && command -v docker-compose >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium coturn docker-compose >/dev/null)

# Janus for group calls, in the tests (where a missing janus fails them) and in `make run` (which
# falls back to sessions at the job centre without it).
janus:
	command -v janus >/dev/null && command -v envsubst >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq janus gettext-base >/dev/null) || \
		echo "Janus could not be installed: group sessions will be held in person"

# JavaScript the tests run with node (package-lock.json): ical.js, a third reader of our invites.
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --silent
	touch $@

node: node_modules/.installed

# A local OpenID Connect provider for trying single sign-on with `make run` (README, "Single sign-on").
SSO_DEMO_CLIENT = [{"client_id": "sprechstunde", "client_secret": "demo-sso-secret", \
	"redirect_uris": ["http://127.0.0.1:8000/konto/sso/zurueck/"], \
	"post_logout_redirect_uris": ["http://127.0.0.1:8000/konto/login/"], \
	"token_endpoint_auth_method": "client_secret_post"}]
sso-provider: node
	OIDC_PORT=9000 OIDC_ISSUER=http://127.0.0.1:9000 OIDC_CLIENTS='$(SSO_DEMO_CLIENT)' \
		OIDC_ACCOUNTS_FILE=tests/oidc_demo_accounts.json node tests/oidc_provider.mjs

# Tests run on PostgreSQL; in CI a missing database is a failure, not a skip.
test: messages lint audit browser node
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		echo "Tests on PostgreSQL ($(PG_URL))"; \
		DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(VENV)/bin/pytest -n 2 -p no:cacheprovider && \
		echo "The embedded default: service tests again on SQLite" && \
		DATABASE_URL=sqlite:///db.sqlite3 $(VENV)/bin/pytest tests/appointments/services -q -p no:cacheprovider -m "not postgres"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at 127.0.0.1:5432 is not reachable; CI needs it." >&2; exit 1; \
	else \
		echo "PostgreSQL not reachable: tests on SQLite, concurrency tests skipped"; \
		$(VENV)/bin/pytest -n 2 -p no:cacheprovider; \
	fi

bench: messages
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(VENV)/bin/pytest tests/bench -p no:cacheprovider -s -q

clean:
	rm -rf $(VENV) node_modules db.sqlite3 test-db.sqlite3 staticfiles .janus-demo
