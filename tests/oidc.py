"""A real OpenID Connect provider for the sign-in tests (panva's oidc-provider, run by node on
loopback), and a scripted user who logs in at it."""

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.realtime.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc_provider.mjs"
CLIENT_ID = "sprechstunde"
CLIENT_SECRET = "a-secret-of-the-test-client-only"


@dataclass
class Provider:
    """The running provider: its issuer, its signing key (to mint tokens it would not issue), and
    the accounts it knows (login name = subject), which a test may change while it runs."""

    issuer: str
    private_key: rsa.RSAPrivateKey
    accounts_file: Path
    process: subprocess.Popen = field(repr=False)

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        self.accounts_file.write_text(json.dumps(accounts))

    def mint(self, **claims) -> str:
        """An ID token signed with the provider's own key, with the claims given."""
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": "test-key"})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_provider(tmp_path: Path, *, redirect_uris: list[str], logout_uris: list[str]) -> Provider:
    node = shutil.which("node")
    assert node, "node is missing: `make test` installs nodejs, npm and oidc-provider"
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(private_key)), "kid": "test-key", "use": "sig", "alg": "RS256"}
    del jwk["key_ops"]  # PyJWT's ["sign"] would keep the provider from checking its own tokens
    accounts_file = tmp_path / "accounts.json"
    accounts_file.write_text("{}")
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": logout_uris,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
    }
    env = {
        "PATH": str(Path(node).parent),
        "OIDC_PORT": str(port),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENTS": json.dumps([client]),
        "OIDC_KEYS": json.dumps([jwk]),
        "OIDC_ACCOUNTS_FILE": str(accounts_file),
    }
    process = subprocess.Popen(  # noqa: S603 (our own script)
        [node, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    said = []  # its warnings (development adapter, node version), then "listening" or why it stopped
    while (line := process.stdout.readline()) and line.strip() != "listening":
        said.append(line)
    assert line, "the OpenID provider did not start:\n" + "".join(said)
    return Provider(issuer=issuer, private_key=private_key, accounts_file=accounts_file, process=process)


def log_in_at_provider(authorize_url: str, login: str, *, stop_at: str) -> str:
    """Follow the provider's pages as a browser would: its login form (any password), until it
    sends the browser to an address starting with `stop_at`; return that address."""
    browser = requests.Session()
    url = authorize_url
    for _hop in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and 'name="prompt"' in response.text:
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            prompt = response.text.split('name="prompt" value="', 1)[1].split('"', 1)[0]
            form = (
                {"prompt": prompt, "login": login, "password": "any"}
                if prompt == "login"
                else {"prompt": prompt}
            )
            response = browser.post(urljoin(url, action), data=form, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), f"{response.status_code}: {response.text[:500]}"
        url = urljoin(url, response.headers["Location"])
        if url.startswith(stop_at):
            return url
    raise AssertionError("the provider did not send the browser back")


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
