// A real OpenID Connect provider (panva's oidc-provider) for the sign-in tests and `make sso-provider`,
// on loopback. Configured by environment: OIDC_PORT, OIDC_ISSUER, OIDC_CLIENTS (JSON list of client
// metadata), OIDC_KEYS (JSON list of private JWKs; without them, the library's development keys),
// OIDC_ACCOUNTS_FILE (JSON: login name = subject -> claims, read at every sign-in so a test can change
// them) and OIDC_ID_TOKEN_TTL (seconds). Its development interactions take any password for a known login.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const env = (name) => JSON.parse(process.env[name]);
const accounts = () => JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS_FILE, "utf8"));

const provider = new Provider(process.env.OIDC_ISSUER, {
  clients: env("OIDC_CLIENTS"),
  ...(process.env.OIDC_KEYS ? { jwks: { keys: env("OIDC_KEYS") } } : {}),
  claims: { openid: ["sub"], profile: ["name", "given_name", "family_name"], email: ["email"], groups: ["groups"] },
  scopes: ["openid", "profile", "email", "groups"],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  ttl: { IdToken: Number(process.env.OIDC_ID_TOKEN_TTL || 3600) },
  // The claims are in the ID token as well as at the userinfo endpoint.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const known = accounts();
    if (!(id in known)) return undefined;
    return { accountId: id, async claims() { return { ...known[id], sub: id }; } };
  },
  // Consent for every scope and claim asked for, so the test only logs in.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email groups");
    grant.addOIDCClaims(["name", "given_name", "family_name", "email", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.listen(Number(process.env.OIDC_PORT), "127.0.0.1", () => console.log("listening"));
