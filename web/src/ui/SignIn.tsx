import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { useWard } from "./context";
import { ErrorLine, errorText, useFocusOnMount, focusOnMount } from "./common";
import { passkeyErrorText, passkeysSupported } from "../webauthn";
import { ssoOrgKey, ssoReturn } from "../sso";

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
  // The second step: a passkey, an authenticator app's code, or a
  // recovery code (whichever the user has; a passkey first).
  const [mode, setMode] = useState<"passkey" | "totp" | "recovery">("totp");
  const useRecovery = mode === "recovery";
  const factors = w.mfaFactors;
  const hasPasskey = factors.includes("webauthn") && passkeysSupported();
  const hasTotp = factors.includes("totp");
  const [step, setStep] = useState<"password" | "mfa">("password");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const first = useFocusOnMount<HTMLInputElement>();
  // Single sign-on: the org's button, and the finish after ward's callback
  // (the second factor, when asked, is typed below as for a password).
  const [sso, setSSO] = useState<{ label: string; start: string } | null>(null);
  const [viaSSO, setViaSSO] = useState(false);

  async function lookUpSSO(slug: string) {
    setSSO(await w.ssoButton(slug));
  }

  useEffect(() => {
    const back = ssoReturn(location.search);
    const org = new URLSearchParams(location.search).get("org") ?? localStorage.getItem(ssoOrgKey) ?? "";
    if (org) lookUpSSO(org);
    if (back.error) setError(back.error);
    if (!back.finish && !back.error) return;
    history.replaceState(null, "", location.pathname);
    if (back.finish) {
      setViaSSO(true);
      finishSSO("");
    }
  }, []);

  async function finishSSO(c: string) {
    setBusy(true);
    setError("");
    try {
      const r = await w.signInWithSSO({ totp: c && mode !== "recovery" ? c : undefined, recovery: c && mode === "recovery" ? c : undefined });
      if (r === "mfa") {
        if (step === "mfa" && c) setError("That code is not right. Check your authenticator app and try again.");
        else if (step !== "mfa") {
          const f = w.mfaFactors;
          setMode(f.includes("webauthn") && passkeysSupported() ? "passkey" : f.includes("totp") ? "totp" : "recovery");
        }
        setStep("mfa");
        setCode("");
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === "sso_state_invalid") {
        setViaSSO(false);
        setStep("password");
      }
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  function startSSO() {
    if (!sso) return;
    const slug = new URL(sso.start, location.origin).pathname.split("/")[4] ?? "";
    localStorage.setItem(ssoOrgKey, decodeURIComponent(slug));
    location.assign(sso.start);
  }

  function refused(e: unknown) {
    if (e instanceof ApiError) {
      setError(
        refusals[e.code] ??
          (e.code === "unauthenticated"
            ? step === "mfa" && mode === "passkey"
              ? "That passkey was not accepted. Try again, or use another way to sign in."
              : "The email or password is not right."
            : errorText(e)),
      );
    } else if (e instanceof Error && e.name && e.name !== "Error") setError(passkeyErrorText(e));
    else setError(errorText(e));
  }

  async function passkey() {
    setBusy(true);
    setError("");
    try {
      if (viaSSO) await w.signInWithSSOPasskey();
      else await w.signInWithPasskey({ email, password, org: org.trim() || undefined });
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (step === "mfa" && mode === "passkey") return passkey();
    if (viaSSO) return finishSSO(useRecovery ? code.trim() : code.replace(/\s+/g, ""));
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
        else {
          const f = w.mfaFactors;
          setMode(f.includes("webauthn") && passkeysSupported() ? "passkey" : f.includes("totp") ? "totp" : "recovery");
        }
        setStep("mfa");
        setCode("");
      }
    } catch (e) {
      refused(e);
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
              <input
                id="org"
                autocomplete="organization"
                value={org}
                onInput={(e) => setOrg(e.currentTarget.value)}
                onBlur={() => lookUpSSO(org)}
              />
            </details>
          </>
        ) : mode === "passkey" ? (
          <>
            <p id="passkey-hint">Use your passkey: your device will ask for your fingerprint, face, PIN or security key.</p>
            <OtherWays mode={mode} hasPasskey={hasPasskey} hasTotp={hasTotp} setMode={(m) => (setMode(m), setError(""))} />
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
            <OtherWays mode={mode} hasPasskey={hasPasskey} hasTotp={hasTotp} setMode={(m) => (setMode(m), setError(""))} />
          </>
        )}
        <ErrorLine error={error} id="signin-error" />
        <button
          type="submit"
          class="primary wide"
          id="signin-submit"
          disabled={busy}
          ref={step === "mfa" && mode === "passkey" ? focusOnMount : undefined}
        >
          {busy ? "Signing in…" : step === "mfa" ? (mode === "passkey" ? "Use passkey" : "Verify") : "Sign in"}
        </button>
        {step === "password" && sso && (
          <button type="button" class="wide" id="signin-sso" onClick={startSSO}>
            Sign in with {sso.label}
          </button>
        )}
        {step === "mfa" && (
          <button
            type="button"
            class="linklike"
            onClick={() => {
              setViaSSO(false);
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

// OtherWays offers the second factors the user has besides the one shown.
function OtherWays(props: {
  mode: "passkey" | "totp" | "recovery";
  hasPasskey: boolean;
  hasTotp: boolean;
  setMode: (m: "passkey" | "totp" | "recovery") => void;
}) {
  const ways: [typeof props.mode, string][] = [];
  if (props.hasPasskey && props.mode !== "passkey") ways.push(["passkey", "Use a passkey instead"]);
  if (props.hasTotp && props.mode !== "totp") ways.push(["totp", "Use the authenticator app instead"]);
  if (props.mode !== "recovery") ways.push(["recovery", "Use a recovery code instead"]);
  return (
    <div class="row other-ways">
      {ways.map(([m, label]) => (
        <button type="button" class="linklike" key={m} id={"mfa-use-" + m} onClick={() => props.setMode(m)}>
          {label}
        </button>
      ))}
    </div>
  );
}
