import { useEffect, useState } from "preact/hooks";
import { useWard } from "./context";
import { ErrorLine, errorText, focusOnMount } from "./common";
import { ApiError } from "../api";
import { passkeyErrorText, passkeysSupported } from "../webauthn";

// Enroll sets up a second factor when the org's policy requires one and the
// user has none yet: a passkey, or an authenticator app (TOTP); then the
// recovery codes, shown once.
export function Enroll() {
  const w = useWard();
  const [choice, setChoice] = useState<"" | "passkey" | "totp">(passkeysSupported() ? "" : "totp");
  const [codes, setCodes] = useState<string[] | null>(null);
  // reauth: the choice that waits for the password. A session that the
  // org's policy made enrol-only after its sign-in must confirm who it is
  // first (reauth_required); then the choice starts again.
  const [reauth, setReauth] = useState<"" | "passkey" | "totp">("");
  const needReauth = (c: "passkey" | "totp") => () => {
    setChoice("");
    setReauth(c);
  };
  if (codes) return <RecoveryCodes codes={codes} />;
  if (reauth)
    return (
      <ConfirmPassword
        onDone={() => {
          setChoice(reauth);
          setReauth("");
        }}
      />
    );
  if (choice === "totp")
    return (
      <EnrollTotp onCodes={setCodes} onReauth={needReauth("totp")} back={passkeysSupported() ? () => setChoice("") : undefined} />
    );
  if (choice === "passkey") return <EnrollPasskey onCodes={setCodes} onReauth={needReauth("passkey")} back={() => setChoice("")} />;
  return (
    <main class="auth" id="main">
      <section class="card auth-card" aria-labelledby="enroll-title">
        <h1 id="enroll-title">Set up two-step sign-in</h1>
        <p>Your organization requires a second step when you sign in. Choose one:</p>
        <button class="primary wide" id="enroll-choose-passkey" ref={focusOnMount} onClick={() => setChoice("passkey")}>
          Use a passkey
        </button>
        <p class="muted small">This device's fingerprint, face or PIN, or a security key. Nothing to type.</p>
        <button class="wide" id="enroll-choose-totp" onClick={() => setChoice("totp")}>
          Use an authenticator app
        </button>
        <p class="muted small">A 6-digit code from an app on your phone at each sign-in.</p>
        <button type="button" class="linklike" onClick={() => void w.signOut()}>
          Sign out
        </button>
      </section>
    </main>
  );
}

// isReauth says the server wants the password again first.
const isReauth = (e: unknown) => e instanceof ApiError && e.code === "reauth_required";

// ConfirmPassword asks for the account's password again
// (POST /api/v1/sessions/current/reauth).
function ConfirmPassword(props: { onDone: () => void }) {
  const w = useWard();
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await w.api.post("/api/v1/sessions/current/reauth", { password });
      props.onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={confirm} aria-labelledby="reauth-title" id="enroll-reauth">
        <h1 id="reauth-title">Confirm it is you</h1>
        <p>Your organization now requires a second step when you sign in. Enter your password to set it up.</p>
        <label for="enroll-reauth-password">Password</label>
        <input
          id="enroll-reauth-password"
          type="password"
          autocomplete="current-password"
          required
          ref={focusOnMount}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorLine error={error} />
        <button class="primary wide" type="submit" disabled={busy}>
          Confirm
        </button>
        <button type="button" class="linklike" onClick={() => void w.signOut()}>
          Sign out
        </button>
      </form>
    </main>
  );
}

// EnrollPasskey registers a passkey for this account.
function EnrollPasskey(props: { onCodes: (c: string[]) => void; onReauth: () => void; back: () => void }) {
  const w = useWard();
  const [name, setName] = useState(w.device.name);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const r = await w.addPasskey(name);
      if (r.recovery_codes?.length) props.onCodes(r.recovery_codes);
      else await w.enrolled();
    } catch (e) {
      if (isReauth(e)) return props.onReauth();
      setError(e instanceof Error && e.name !== "Error" ? passkeyErrorText(e) : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={add} aria-labelledby="passkey-title">
        <h1 id="passkey-title">Add a passkey</h1>
        <p>Your browser will ask you to confirm with this device's fingerprint, face or PIN, or with a security key.</p>
        <label for="passkey-name">Name for this passkey</label>
        <input id="passkey-name" ref={focusOnMount} maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <ErrorLine error={error} id="passkey-error" />
        <button class="primary wide" type="submit" id="passkey-create" disabled={busy}>
          {busy ? "Waiting for your passkey…" : "Create passkey"}
        </button>
        <button type="button" class="linklike" onClick={props.back}>
          Back
        </button>
      </form>
    </main>
  );
}

// RecoveryCodes shows the ten recovery codes once; Continue enters the app
// (onContinue, or as after enrolment).
export function RecoveryCodes(props: { codes: string[]; onContinue?: () => void }) {
  const w = useWard();
  const [saved, setSaved] = useState(false);
  return (
    <main class="auth" id="main">
      <section class="card auth-card" aria-labelledby="codes-title">
        <h1 id="codes-title">Save your recovery codes</h1>
        <p>
          If you lose your phone or passkey, each of these codes signs you in once. Keep them somewhere safe, away
          from this device. They are shown only now.
        </p>
        <ol class="codes" id="recovery-codes">
          {props.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <label class="check">
          <input type="checkbox" id="codes-saved" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} /> I
          have saved these codes
        </label>
        <button class="primary wide" id="codes-continue" disabled={!saved} onClick={() => void (props.onContinue ? props.onContinue() : w.enrolled())}>
          Continue
        </button>
      </section>
    </main>
  );
}

// EnrollTotp: the secret (to type) and the otpauth URL (for apps that take
// a link), then a code to confirm.
function EnrollTotp(props: { onCodes: (c: string[]) => void; onReauth: () => void; back?: () => void }) {
  const w = useWard();
  const [secret, setSecret] = useState("");
  const [url, setUrl] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    w.api
      .post<{ secret: string; otpauth_url: string }>("/api/v1/mfa/totp", {})
      .then((r) => {
        setSecret(r.secret);
        setUrl(r.otpauth_url);
      })
      .catch((e) => (isReauth(e) ? props.onReauth() : setError(errorText(e))));
  }, []);

  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const r = await w.api.post<{ recovery_codes: string[] }>("/api/v1/mfa/totp/confirm", {
        code: code.replace(/\s+/g, ""),
      });
      props.onCodes(r.recovery_codes);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={confirm} aria-labelledby="enroll-title">
        <h1 id="enroll-title">Set up an authenticator app</h1>
        <p>Your organization requires a second step when you sign in. Add ward to an authenticator app:</p>
        <ol class="steps">
          <li>
            Open your authenticator app and add an account by <strong>entering a setup key</strong>.
          </li>
          <li>
            Enter this key (time-based, 6 digits):
            <div class="secret" id="totp-secret" aria-label="Setup key">
              {secret ? secret.replace(/(.{4})/g, "$1 ").trim() : "…"}
            </div>
          </li>
          <li>Enter the code the app shows.</li>
        </ol>
        <details class="more">
          <summary>Setup link (for apps that accept one)</summary>
          <p class="mono wrap" id="totp-url">
            {url}
          </p>
        </details>
        <label for="enroll-code">Code from the app</label>
        <input
          id="enroll-code"
          inputMode="numeric"
          autocomplete="one-time-code"
          required
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <ErrorLine error={error} />
        <button class="primary wide" type="submit" disabled={busy || !secret}>
          Confirm
        </button>
        {props.back ? (
          <button type="button" class="linklike" onClick={props.back}>
            Back
          </button>
        ) : (
          <button type="button" class="linklike" onClick={() => void w.signOut()}>
            Sign out
          </button>
        )}
      </form>
    </main>
  );
}
