import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { useWard } from "./context";
import { ErrorLine, errorText, useFocusOnMount, focusOnMount } from "./common";

const refusals: Record<string, string> = {
  device_pending: "This device waits for an administrator's approval. Ask your administrator, then sign in again.",
  device_locked: "An administrator locked this device. Contact your administrator.",
  rate_limited: "Too many attempts. Wait a few minutes and try again.",
};

export function SignIn() {
  const w = useWard();
  const st = w.store.get();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [org, setOrg] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const [step, setStep] = useState<"password" | "mfa">("password");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const first = useFocusOnMount<HTMLInputElement>();

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const c = code.replace(/\s+/g, "");
      const r = await w.signIn({
        email,
        password,
        org: org.trim() || undefined,
        totp: step === "mfa" && !useRecovery ? c : undefined,
        recovery: step === "mfa" && useRecovery ? code.trim() : undefined,
      });
      if (r === "mfa") {
        if (step === "mfa") setError("That code is not right. Check your authenticator app and try again.");
        setStep("mfa");
        setCode("");
      }
    } catch (e) {
      if (e instanceof ApiError) {
        setError(
          refusals[e.code] ??
            (e.code === "unauthenticated" ? "The email or password is not right." : errorText(e)),
        );
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div class="brand" aria-hidden="true">
          <span class="logo">w</span> ward
        </div>
        <h1 id="signin-title">Sign in</h1>
        {st.notice && (
          <p class="notice" role="status" id="signin-notice">
            {st.notice}
          </p>
        )}
        {step === "password" ? (
          <>
            <label for="email">Email</label>
            <input
              id="email"
              ref={first}
              type="email"
              autocomplete="username"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <label for="password">Password</label>
            <input
              id="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <details class="more">
              <summary>More options</summary>
              <label for="org">Organization (only if your email is in several)</label>
              <input id="org" autocomplete="organization" value={org} onInput={(e) => setOrg(e.currentTarget.value)} />
            </details>
          </>
        ) : (
          <>
            <p>
              {useRecovery
                ? "Enter one of your recovery codes. Each works once."
                : "Enter the 6-digit code from your authenticator app."}
            </p>
            <label for="code">{useRecovery ? "Recovery code" : "Authentication code"}</label>
            <input
              id="code"
              ref={focusOnMount}
              inputMode={useRecovery ? "text" : "numeric"}
              autocomplete="one-time-code"
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
            <button type="button" class="linklike" onClick={() => setUseRecovery(!useRecovery)}>
              {useRecovery ? "Use the authenticator app instead" : "Use a recovery code instead"}
            </button>
          </>
        )}
        <ErrorLine error={error} id="signin-error" />
        <button type="submit" class="primary wide" id="signin-submit" disabled={busy}>
          {busy ? "Signing in…" : step === "mfa" ? "Verify" : "Sign in"}
        </button>
        {step === "mfa" && (
          <button
            type="button"
            class="linklike"
            onClick={() => {
              setStep("password");
              setCode("");
              setError("");
            }}
          >
            Back
          </button>
        )}
        <p class="fineprint">
          This device is named “{w.device.name}”. Your administrator can see, lock and wipe the devices you sign in from.
        </p>
      </form>
    </main>
  );
}
