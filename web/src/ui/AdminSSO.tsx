import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";
import { AdminFrame } from "./Admin";
import { type OIDCConfig, emptyOIDC, parseRoleMap, formatRoleMap, signInLink } from "../sso";

// AdminSSO is the admin console's single sign-on page: the org's OpenID
// Connect provider and its SCIM token (docs/sso.md).
export function AdminSSO() {
  return (
    <AdminFrame tab="sso">
      <OIDCForm />
      <SCIMToken />
    </AdminFrame>
  );
}

function OIDCForm() {
  const w = useWard();
  const [c, setC] = useState<OIDCConfig | null>(null);
  const [roleMap, setRoleMap] = useState("");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  useEffect(() => {
    w.api.get<OIDCConfig>("/api/v1/admin/sso/oidc", { quiet: true }).then(
      (got) => (setC(got), setRoleMap(formatRoleMap(got.role_map))),
      (e) => (e instanceof ApiError && e.code === "sso_not_configured" ? setC(emptyOIDC()) : setError(errorText(e))),
    );
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    if (!c) return;
    setError("");
    setSaved("");
    const parsed = parseRoleMap(roleMap);
    if (typeof parsed === "string") return setError(parsed);
    try {
      const got = await w.api.put<OIDCConfig>("/api/v1/admin/sso/oidc", { ...c, role_map: parsed });
      setC(got);
      setRoleMap(formatRoleMap(got.role_map));
      setSaved("Saved. The next sign-in through your identity provider uses it.");
    } catch (e) {
      setError(errorText(e));
    }
  }

  if (!c) return <ErrorLine error={error} />;
  const slug = w.store.get().me?.org?.slug;
  const text = (key: "issuer" | "client_id" | "label" | "groups_claim", label: string, hint?: string) => (
    <div class="field">
      <label for={"sso-" + key}>{label}</label>
      <input id={"sso-" + key} value={c[key]} onInput={(e) => setC({ ...c, [key]: e.currentTarget.value })} />
      {hint && <span class="muted small">{hint}</span>}
    </div>
  );
  return (
    <form class="card stack" onSubmit={save} aria-labelledby="sso-title" id="sso-oidc">
      <h2 id="sso-title">Sign in with your identity provider (OpenID Connect)</h2>
      <p class="muted small">
        Register ward at your provider as a web application with this redirect URI: <code id="sso-redirect">{c.redirect_uri}</code>
      </p>
      {slug && (
        <p class="muted small">
          Give your staff this sign-in link (it shows the button on their first visit): <code id="sso-link">{signInLink(c.redirect_uri, slug)}</code>
        </p>
      )}
      <label class="check">
        <input type="checkbox" checked={c.enabled} onChange={(e) => setC({ ...c, enabled: e.currentTarget.checked })} />
        Offer "Sign in with {c.label || "your organisation"}" on the sign-in screen
      </label>
      {text("issuer", "Issuer URL", "as your provider's discovery document names it (https)")}
      {text("client_id", "Client ID")}
      <div class="field">
        <label for="sso-secret">Client secret</label>
        <input
          id="sso-secret"
          type="password"
          autocomplete="off"
          placeholder={c.secret_set ? "stored (leave empty to keep it)" : ""}
          value={c.client_secret ?? ""}
          onInput={(e) => setC({ ...c, client_secret: e.currentTarget.value })}
        />
      </div>
      {text("label", "Button label", 'the sign-in button says "Sign in with …"')}
      {text("groups_claim", "Groups claim", "the ID token claim that lists the person's groups")}
      <div class="field">
        <label for="sso-rolemap">Groups and roles (one per line: group = role)</label>
        <textarea id="sso-rolemap" rows={4} value={roleMap} onInput={(e) => setRoleMap(e.currentTarget.value)} />
        <span class="muted small">roles: admin, compliance, clinician, staff; several groups: admin wins, then compliance, clinician, staff</span>
      </div>
      <div class="field">
        <label for="sso-default">People none of whose groups is listed</label>
        <select id="sso-default" value={c.default_role} onChange={(e) => setC({ ...c, default_role: e.currentTarget.value })}>
          <option value="">may not sign in</option>
          <option value="staff">become staff</option>
          <option value="clinician">become clinicians</option>
        </select>
      </div>
      <label class="check">
        <input type="checkbox" checked={c.trust_idp_mfa} onChange={(e) => setC({ ...c, trust_idp_mfa: e.currentTarget.checked })} />
        A second factor at the identity provider (amr mfa, otp, hwk…) counts as ward's two-step sign-in
      </label>
      <ErrorLine error={error} />
      {saved && (
        <p class="notice" role="status">
          {saved}
        </p>
      )}
      <button class="primary" type="submit" id="sso-save">
        Save
      </button>
    </form>
  );
}

function SCIMToken() {
  const w = useWard();
  const [info, setInfo] = useState<{ exists: boolean; created_at?: string; base_url: string } | null>(null);
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const load = () => w.api.get<typeof info>("/api/v1/admin/sso/scim-token").then(setInfo, (e) => setError(errorText(e)));
  useEffect(() => void load(), []);

  async function issue() {
    setError("");
    try {
      const got = await w.api.post<{ token: string }>("/api/v1/admin/sso/scim-token", {});
      setToken(got.token);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function revoke() {
    setError("");
    try {
      await w.api.del("/api/v1/admin/sso/scim-token");
      setToken("");
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section class="card stack" aria-labelledby="scim-title" id="sso-scim">
      <h2 id="scim-title">Provisioning (SCIM 2.0)</h2>
      {info && (
        <p class="muted small">
          SCIM base URL: <code>{info.base_url}</code>.{" "}
          {info.exists ? `A token was made ${formatDateTime(info.created_at ?? "")}.` : "No token yet."}
        </p>
      )}
      {token && (
        <p class="notice" role="status">
          Copy this token into your identity provider now; ward shows it once: <code id="scim-token">{token}</code>
        </p>
      )}
      <ErrorLine error={error} />
      <div class="row">
        <button type="button" class="primary" id="scim-issue" onClick={issue}>
          {info?.exists ? "Rotate token" : "Create token"}
        </button>
        {info?.exists && (
          <button type="button" id="scim-revoke" onClick={revoke}>
            Revoke token
          </button>
        )}
      </div>
    </section>
  );
}
