import { useEffect, useState } from "preact/hooks";
import { useWard } from "./context";
import { ErrorLine, errorText } from "./common";

// Enroll sets up TOTP when the org's policy requires a second factor and the
// user has none yet: the secret (to type) and the otpauth URL (for apps that
// take a link), a code to confirm, then the recovery codes, shown once.
export function Enroll() {
  const w = useWard();
  const [secret, setSecret] = useState("");
  const [url, setUrl] = useState("");
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    w.api
      .post<{ secret: string; otpauth_url: string }>("/api/v1/mfa/totp", {})
      .then((r) => {
        setSecret(r.secret);
        setUrl(r.otpauth_url);
      })
      .catch((e) => setError(errorText(e)));
  }, []);

  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const r = await w.api.post<{ recovery_codes: string[] }>("/api/v1/mfa/totp/confirm", {
        code: code.replace(/\s+/g, ""),
      });
      setCodes(r.recovery_codes);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (codes) {
    return (
      <main class="auth" id="main">
        <section class="card auth-card" aria-labelledby="codes-title">
          <h1 id="codes-title">Save your recovery codes</h1>
          <p>
            If you lose your phone, each of these codes signs you in once. Keep them somewhere safe, away from this
            device. They are shown only now.
          </p>
          <ol class="codes" id="recovery-codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <label class="check">
            <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} /> I have saved
            these codes
          </label>
          <button class="primary wide" disabled={!saved} onClick={() => void w.enrolled()}>
            Continue
          </button>
        </section>
      </main>
    );
  }

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={confirm} aria-labelledby="enroll-title">
        <h1 id="enroll-title">Set up two-step sign-in</h1>
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
        <button type="button" class="linklike" onClick={() => void w.signOut()}>
          Sign out
        </button>
      </form>
    </main>
  );
}
