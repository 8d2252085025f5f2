import { useEffect, useState } from "preact/hooks";
import { canChange, inviteProblem, qrPath, statusLabels, type Invitation } from "../invitations";
import type { Patient } from "../patients";
import { useWard } from "./context";
import { ErrorLine, formatTime } from "./common";

// PatientInvitations is the patient page's "Invite to the patient portal"
// section: invite by email (to the record's address) or by a link shown
// once with its QR code, and the record's invitations with their status,
// each pending or expired one with resend and revoke.
export function PatientInvitations(props: { patient: Patient }) {
  const w = useWard();
  const p = props.patient;
  const path = `/api/v1/patients/${encodeURIComponent(p.id)}/invitations`;
  const [invs, setInvs] = useState<Invitation[] | null>(null);
  const [link, setLink] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      setInvs((await w.api.get<{ invitations: Invitation[] }>(path)).invitations ?? []);
    } catch (e) {
      setError(inviteProblem(e));
    }
  }
  useEffect(() => {
    setInvs(null);
    setLink("");
    void load();
  }, [p.id]);

  async function run(call: () => Promise<Invitation>, done: string) {
    setError("");
    setNote("");
    setLink("");
    setBusy(true);
    try {
      const inv = await call();
      if (inv.link) setLink(inv.link);
      setNote(inv.link ? "" : done);
      await load();
    } catch (e) {
      setError(inviteProblem(e));
    } finally {
      setBusy(false);
    }
  }
  const invite = (channel: "email" | "link") =>
    run(() => w.api.post<Invitation>(path, { channel }), "Invitation sent by email.");
  const one = (inv: Invitation, what: "resend" | "revoke") =>
    run(
      () => w.api.post<Invitation>(`${path}/${encodeURIComponent(inv.id)}/${what}`, {}),
      what === "resend" ? "Invitation sent again." : "Invitation revoked: its link no longer works.",
    );

  if (p.erased) return null;
  const active = p.status === "active";
  return (
    <section class="card stack" aria-labelledby="pinv-title" id="patient-invitations">
      <h2 id="pinv-title">Invite to the patient portal</h2>
      {p.has_account && (
        <p class="small" id="patient-has-account">
          This patient has an account.
        </p>
      )}
      {active && !p.has_account && (
        <div class="row">
          {p.email ? (
            <button id="invite-email" disabled={busy} onClick={() => void invite("email")}>
              Invite by email
            </button>
          ) : (
            <span class="muted small">No email on the record: invite by link.</span>
          )}
          <button id="invite-link" class="secondary" disabled={busy} onClick={() => void invite("link")}>
            Invite by link
          </button>
        </div>
      )}
      {link && <InviteLink link={link} />}
      {note && (
        <p class="small" role="status" id="invite-note">
          {note}
        </p>
      )}
      <ErrorLine error={error} id="invite-error" />
      {invs && invs.length > 0 && (
        <ul class="members" id="invitation-list">
          {invs.map((inv) => (
            <li key={inv.id} data-status={inv.status}>
              <span>
                {inv.channel === "email" ? "By email" : "By link"} · <strong>{statusLabels[inv.status]}</strong> ·{" "}
                <span class="muted small">
                  {inv.status === "accepted" && inv.accepted_at
                    ? `accepted ${formatTime(inv.accepted_at)}`
                    : inv.status === "revoked" && inv.revoked_at
                      ? `revoked ${formatTime(inv.revoked_at)}`
                      : `${inv.status === "expired" ? "expired" : "expires"} ${formatTime(inv.expires_at)}`}
                </span>
              </span>{" "}
              {active && canChange(inv) && (
                <>
                  <button class="small" disabled={busy} onClick={() => void one(inv, "resend")}>
                    Resend
                  </button>
                  <button class="small danger" disabled={busy} onClick={() => void one(inv, "revoke")}>
                    Revoke
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {invs && invs.length === 0 && <p class="muted small">No invitations yet.</p>}
    </section>
  );
}

// InviteLink shows a new link once, with its QR code to scan from a phone
// and a copy button; ward keeps only the link's hash.
function InviteLink(props: { link: string }) {
  const [copied, setCopied] = useState(false);
  const qr = qrPath(props.link);
  return (
    <div class="stack" id="invite-link-once">
      <p class="small">Shown only once: hand it over, text it, or let the patient scan the code.</p>
      <svg
        id="invite-qr"
        role="img"
        aria-label="QR code of the invitation link"
        viewBox={`0 0 ${qr.size} ${qr.size}`}
        width="220"
        height="220"
        shape-rendering="crispEdges"
      >
        <rect width={qr.size} height={qr.size} fill="#fff" />
        <path d={qr.d} fill="#000" />
      </svg>
      <div class="row">
        <input id="invite-link-text" readOnly value={props.link} aria-label="Invitation link" onFocus={(e) => e.currentTarget.select()} />
        <button
          class="small"
          onClick={() =>
            void navigator.clipboard?.writeText(props.link).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}
