import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { inviteRefusal, isEmailCode, passwordProblem, type InvitationInfo } from "../invite";
import { passkeyErrorText, passkeysSupported } from "../webauthn";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime, useFocusOnMount } from "./common";
import { RecoveryCodes } from "./Enroll";

// Invite is the page of an invitation link (/invite/<token>): it shows the
// clinic only, asks for the emailed code when the invitation came by email,
// lets the patient choose a password and signs them in.
export function Invite(props: { token: string }) {
  const w = useWard();
  const path = `/api/v1/invitations/${encodeURIComponent(props.token)}`;
  const [info, setInfo] = useState<InvitationInfo | null>(null);
  const [dead, setDead] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  // After the account is made: offer a passkey (the issue prefers one),
  // then the recovery codes the first one brings.
  const [step, setStep] = useState<"form" | "passkey">("form");
  const [codes, setCodes] = useState<string[] | null>(null);
  const first = useFocusOnMount<HTMLInputElement>();

  const said = (e: unknown) => (e instanceof ApiError && inviteRefusal(e.code)) || errorText(e);

  useEffect(() => {
    w.api.get<InvitationInfo>(path, { quiet: true }).then(setInfo, (e) => setDead(said(e)));
  }, [path]);

  async function sendCode() {
    setBusy(true);
    setError("");
    try {
      await w.api.post(path + "/email-code", {}, { quiet: true });
      setSent(true);
    } catch (e) {
      setError(said(e));
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!info) return;
    const problem = passwordProblem(password, again);
    if (problem) return setError(problem);
    if (info.needs_email_code && !isEmailCode(code)) return setError(inviteRefusal("email_code_required"));
    setBusy(true);
    setError("");
    try {
      await w.acceptInvitation(props.token, { password, emailCode: info.needs_email_code ? code : undefined });
      if (passkeysSupported()) setStep("passkey");
      else await w.enterFromInvitation();
    } catch (e) {
      setError(said(e));
    } finally {
      setBusy(false);
    }
  }

  async function addPasskey() {
    setBusy(true);
    setError("");
    try {
      const r = await w.addPasskey("");
      if (r.recovery_codes?.length) setCodes(r.recovery_codes);
      else await w.enterFromInvitation();
    } catch (e) {
      setError(e instanceof Error && e.name && e.name !== "Error" && !(e instanceof ApiError) ? passkeyErrorText(e) : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (codes) return <RecoveryCodes codes={codes} onContinue={() => void w.enterFromInvitation()} />;
  if (step === "passkey")
    return (
      <main class="auth" id="main">
        <section class="card auth-card stack" aria-labelledby="invite-passkey-title" id="invite-passkey">
          <h1 id="invite-passkey-title">Your account is ready</h1>
          <p>
            Add a passkey: next time you sign in with your fingerprint, face or screen lock instead of typing your
            password. It is safer too.
          </p>
          <ErrorLine error={error} id="invite-passkey-error" />
          <button class="primary wide" id="invite-add-passkey" disabled={busy} onClick={addPasskey}>
            Add a passkey
          </button>
          <button class="secondary wide" id="invite-skip-passkey" disabled={busy} onClick={() => void w.enterFromInvitation()}>
            Not now
          </button>
        </section>
      </main>
    );

  return (
    <main class="auth" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="invite-title" noValidate id="invite">
        <div class="brand" aria-hidden="true">
          <span class="logo">w</span> ward
        </div>
        {dead ? (
          <>
            <h1 id="invite-title">Invitation</h1>
            <p role="alert" id="invite-dead">
              {dead}
            </p>
            <a href="/">Sign in</a>
          </>
        ) : !info ? (
          <p class="muted" role="status" id="invite-title">
            Loading your invitation…
          </p>
        ) : (
          <>
            <h1 id="invite-title">{info.clinic} invites you</h1>
            <p class="muted">
              Set up your account to message {info.clinic} securely. This link works once, until{" "}
              {formatDateTime(info.expires_at)}.
            </p>
            {info.needs_email_code && (
              <>
                <p>To prove this invitation reached you, we email you a 6-digit code.</p>
                <button type="button" class="secondary" onClick={sendCode} disabled={busy} id="invite-send-code">
                  {sent ? "Send a new code" : "Email me a code"}
                </button>
                {sent && (
                  <p role="status" class="notice">
                    We sent a code to the address the invitation came to. It works for 10 minutes.
                  </p>
                )}
                <label for="invite-code">Code from the email</label>
                <input
                  id="invite-code"
                  inputMode="numeric"
                  autocomplete="one-time-code"
                  value={code}
                  onInput={(e) => setCode(e.currentTarget.value)}
                />
              </>
            )}
            <label for="invite-password">Choose a password</label>
            <input
              id="invite-password"
              ref={info.needs_email_code ? undefined : first}
              type="password"
              autocomplete="new-password"
              aria-describedby="invite-password-hint"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <p class="muted" id="invite-password-hint">
              At least 12 characters; a few words make a good one. After this you can add a passkey.
            </p>
            <label for="invite-again">The same password again</label>
            <input
              id="invite-again"
              type="password"
              autocomplete="new-password"
              value={again}
              onInput={(e) => setAgain(e.currentTarget.value)}
            />
            <ErrorLine error={error} id="invite-error" />
            <button type="submit" disabled={busy} id="invite-accept">
              Create my account
            </button>
          </>
        )}
      </form>
    </main>
  );
}
