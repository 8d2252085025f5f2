import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { isEmailCode } from "../invite";
import { emailProblem, linkRefusal, outsideEndpoints, sendRefusal, statusLine, type LinkInfo } from "../outside";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, formatDateTime, useFocusOnMount } from "./common";

// Secure messages to outside addresses (src/outside.ts, docs/outside.md).

// WriteOutside is the staff form that writes to an email address with no
// ward account: the address gets a link, never the message.
export function WriteOutside() {
  const w = useWard();
  const [email, setEmail] = useState("");
  const [body, setBody] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const first = useFocusOnMount<HTMLInputElement>();

  async function send(e: Event) {
    e.preventDefault();
    const problem = emailProblem(email) || (body.trim() ? "" : "Write the message.");
    if (problem) return setError(problem);
    setBusy(true);
    setError("");
    try {
      const cid = await w.writeOutside(email, body.trim());
      w.toast("Sent. The recipient gets an email with a secure link.");
      w.navigate(`/c/${cid}`);
    } catch (e) {
      setError((e instanceof ApiError && sendRefusal(e.code)) || errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="pad stack" onSubmit={send} aria-labelledby="outside-title" noValidate id="write-outside">
      <h1 id="outside-title">Write to an outside address</h1>
      <p class="muted">
        For someone without a ward account: a referring physician, a patient not yet invited. The email they get
        holds only your clinic's name and a secure link; they prove the address with a code we email them, then
        read and reply here for a limited time. The conversation stays in ward, sealed and audited.
      </p>
      <label for="outside-email">Email address</label>
      <input
        id="outside-email"
        type="email"
        autocomplete="off"
        ref={first}
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      <label for="outside-body">Message</label>
      <textarea id="outside-body" rows={6} maxLength={16384} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      <p class="muted small">
        To send files, send this first: then attach them in the conversation. Each message you send there emails a
        new link.
      </p>
      <ErrorLine error={error} id="outside-error" />
      <div class="row">
        <button class="primary" type="submit" id="outside-send" disabled={busy}>
          Send securely
        </button>
        <Link href="/new">Write to a colleague instead</Link>
      </div>
    </form>
  );
}

// OutsideStatus is the thread header's line for the sender: what the
// recipient did with the latest link, and until when it works.
export function OutsideStatus(props: { cid: string }) {
  const w = useWard();
  const m = w.store.get().outside[props.cid];
  // Asked on opening and every minute while open (the expiry moves into
  // the past; receipts and replies also refresh it, src/client.ts).
  useEffect(() => {
    void w.loadOutside(props.cid);
    const t = setInterval(() => void w.loadOutside(props.cid), 60_000);
    return () => clearInterval(t);
  }, [props.cid]);
  if (!m) return null;
  return (
    <p class={"small outside-status outside-" + m.status} id="outside-status" data-status={m.status} role="status">
      Outside address · {statusLine(m, new Date(), formatDateTime)}
    </p>
  );
}

// OutsideLink is the page of a secure message's link (/outside/<token>):
// the clinic and the expiry, a code mailed to the address, and the thread
// opened with it.
export function OutsideLink(props: { token: string }) {
  const w = useWard();
  const [info, setInfo] = useState<LinkInfo | null>(null);
  const [dead, setDead] = useState("");
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const said = (e: unknown) => (e instanceof ApiError && linkRefusal(e.code)) || errorText(e);

  useEffect(() => {
    w.api.get<LinkInfo>(outsideEndpoints.link(props.token), { quiet: true }).then(setInfo, (e) => setDead(said(e)));
  }, [props.token]);

  async function sendCode() {
    setBusy(true);
    setError("");
    try {
      await w.api.post(outsideEndpoints.code(props.token), {}, { quiet: true });
      setSent(true);
    } catch (e) {
      setError(said(e));
    } finally {
      setBusy(false);
    }
  }

  async function open(e: Event) {
    e.preventDefault();
    if (!info) return;
    if (!isEmailCode(code)) return setError("Enter the 6-digit code from the email.");
    setBusy(true);
    setError("");
    try {
      await w.openOutside(props.token, code, info.clinic);
    } catch (e) {
      setError(said(e));
      setBusy(false);
    }
  }

  return (
    <main class="auth portal" id="main">
      <form class="card auth-card" onSubmit={open} aria-labelledby="outside-link-title" noValidate id="outside-link">
        <div class="brand" aria-hidden="true">
          <span class="logo">w</span> ward
        </div>
        {dead ? (
          <>
            <h1 id="outside-link-title">Secure message</h1>
            <p role="alert" id="outside-dead">
              {dead}
            </p>
          </>
        ) : !info ? (
          <p class="muted" role="status" id="outside-link-title">
            Loading…
          </p>
        ) : (
          <>
            <h1 id="outside-link-title">{info.clinic} sent you a secure message</h1>
            <p class="muted" id="outside-expiry">
              This link opens once, until {formatDateTime(info.expires_at)}. You can read and reply for a limited time
              after that.
            </p>
            <p>To prove this email reached you, we send a 6-digit code to the same address.</p>
            <button type="button" class={sent ? "secondary" : "primary"} onClick={sendCode} disabled={busy} id="outside-send-code">
              {sent ? "Send a new code" : "Email me a code"}
            </button>
            {sent && (
              <p role="status" class="notice" id="outside-code-sent">
                We sent a code to the address this link came to. It works for 10 minutes.
              </p>
            )}
            <label for="outside-code">Code from the email</label>
            <input
              id="outside-code"
              inputMode="numeric"
              autocomplete="one-time-code"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
            <ErrorLine error={error} id="outside-link-error" />
            <button type="submit" class={sent ? "primary" : "secondary"} disabled={busy} id="outside-open">
              Open the message
            </button>
          </>
        )}
      </form>
    </main>
  );
}
