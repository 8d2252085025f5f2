// Single sign-on in the web client (docs/sso.md): the admin page's shapes
// and the sign-in screen's reading of ward's redirect after the identity
// provider (/?sso=1 or /?sso_error=<code>).

export interface OIDCConfig {
  enabled: boolean;
  issuer: string;
  client_id: string;
  client_secret?: string;
  secret_set: boolean;
  label: string;
  groups_claim: string;
  role_map: Record<string, string>;
  default_role: string;
  trust_idp_mfa: boolean;
  mfa_acr: string[];
  redirect_uri: string;
}

export function emptyOIDC(): OIDCConfig {
  return {
    enabled: true,
    issuer: "",
    client_id: "",
    secret_set: false,
    label: "",
    groups_claim: "groups",
    role_map: {},
    default_role: "",
    trust_idp_mfa: false,
    mfa_acr: [],
    redirect_uri: location.origin + "/api/v1/sso/callback",
  };
}

// signInLink is the link an admin hands out: ward's sign-in screen with the
// org's slug, so that a first visit shows "Sign in with <label>". ward's
// origin is the redirect URI's (the server builds it from --public-url).
export function signInLink(redirectURI: string, slug: string): string {
  const origin = redirectURI.replace(/\/api\/v1\/sso\/callback$/, "");
  return `${origin}/?org=${encodeURIComponent(slug)}`;
}

const mappable = ["admin", "compliance", "clinician", "staff"];

// parseRoleMap reads "group = role" lines; a string answer is what is wrong.
export function parseRoleMap(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.lastIndexOf("=");
    if (i < 1) return `"${line}": write group = role`;
    const group = line.slice(0, i).trim();
    const role = line.slice(i + 1).trim().toLowerCase();
    if (!group) return `"${line}": the group is missing`;
    if (!mappable.includes(role)) return `"${line}": the role must be admin, compliance, clinician or staff`;
    out[group] = role;
  }
  return out;
}

export function formatRoleMap(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([g, r]) => `${g} = ${r}`)
    .join("\n");
}

const ssoErrors: Record<string, string> = {
  sso_state_invalid: "That sign-in expired or was started in another browser. Please try again.",
  sso_token_invalid: "Your identity provider's answer could not be verified. Please try again, or ask your administrator.",
  sso_no_role: "Your account at your identity provider has no role in ward yet. Ask your administrator.",
  account_disabled: "Your ward account is disabled. Ask your administrator.",
  sso_not_configured: "Your organization does not sign in through an identity provider.",
  forbidden: "This account cannot sign in through your identity provider.",
  unavailable: "Your identity provider did not answer. Please try again in a moment.",
};

// ssoReturn reads the query ward's callback redirect left: finish (the
// ticket cookie waits), or an error to show.
export function ssoReturn(search: string): { finish: boolean; error: string } {
  const q = new URLSearchParams(search);
  const code = q.get("sso_error");
  if (code) return { finish: false, error: ssoErrors[code] ?? "Signing in through your identity provider failed. Please try again." };
  return { finish: q.get("sso") === "1", error: "" };
}

export const ssoOrgKey = "ward.sso.org";
