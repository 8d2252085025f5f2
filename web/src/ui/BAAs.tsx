// The BAA registry (owners, admins, compliance): the dashboard card of
// agreements expiring within 60 days and missing ones, the list with
// status colours, the register form and the document upload. The pure
// part is src/incidents.ts; docs/compliance.md.
import { useEffect, useState } from "preact/hooks";
import { baaClass, baaRequest, emptyBAADraft, type BAA, type BAACard, type BAADraft } from "../incidents";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";

export function BAACardView(props: { card: BAACard | null }) {
  const c = props.card;
  if (!c) return null;
  return (
    <section class="card stack" id="baa-card" aria-labelledby="baa-card-title">
      <h2 id="baa-card-title">Business associate agreements</h2>
      <p>
        <span class={"badge tone-" + (c.expiring.length ? "warn" : "ok")} id="baa-expiring">
          {c.expiring.length} expiring within 60 days
        </span>{" "}
        <span class={"badge tone-" + (c.missing.length ? "bad" : "ok")} id="baa-missing">
          {c.missing.length} missing
        </span>{" "}
        <span class="muted small">of {c.total}</span>
      </p>
      <ul>
        {c.expiring.map((b) => (
          <li key={b.id}>
            {b.vendor}: expires {formatDateTime(b.expires_at ?? "")} ({b.days_left} days)
          </li>
        ))}
        {c.missing.map((b) => (
          <li key={b.id}>
            {b.vendor}: {b.status}
          </li>
        ))}
      </ul>
    </section>
  );
}

// BAADashboardCard loads the card for the admin dashboard (owners, admins
// and compliance, who all manage BAAs); it shows nothing when refused.
export function BAADashboardCard() {
  const w = useWard();
  const [card, setCard] = useState<BAACard | null>(null);
  useEffect(() => {
    w.api
      .get<BAACard>("/api/v1/baas/dashboard")
      .then(setCard)
      .catch(() => setCard(null));
  }, []);
  return <BAACardView card={card} />;
}

export function BAARegistry() {
  const w = useWard();
  const [list, setList] = useState<BAA[] | null>(null);
  const [card, setCard] = useState<BAACard | null>(null);
  const [draft, setDraft] = useState<BAADraft>(emptyBAADraft);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      const [r, c] = await Promise.all([w.api.get<{ baas: BAA[] }>("/api/v1/baas"), w.api.get<BAACard>("/api/v1/baas/dashboard")]);
      setList(r.baas ?? []);
      setCard(c);
    } catch (e) {
      setError(errorText(e));
      setList([]);
    }
  }
  useEffect(() => void load(), []);

  async function create(e: Event) {
    e.preventDefault();
    const r = baaRequest(draft);
    if (!r.body) return setError(r.error ?? "");
    setBusy(true);
    setError("");
    try {
      await w.api.post<BAA>("/api/v1/baas", r.body);
      setDraft(emptyBAADraft);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function upload(b: BAA, f: File | undefined) {
    if (!f) return;
    setError("");
    try {
      await w.api.putFile<BAA>("/api/v1/baas/" + encodeURIComponent(b.id) + "/document?name=" + encodeURIComponent(f.name), f);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  const set = (k: keyof BAADraft) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div class="pad stack">
      <h1>Business associate agreements</h1>
      <p class="muted">
        Every vendor that touches PHI needs a signed BAA (45 CFR 164.308(b)). Compliance officers are reminded by email (and on
        their devices with notifications on) 60, 30 and 7 days before one expires. Documents are stored encrypted.
      </p>
      <BAACardView card={card} />
      <form class="card filters" id="baa-form" aria-label="Register an agreement" onSubmit={create}>
        <h2>Register an agreement</h2>
        <div class="filter-grid">
          <div>
            <label for="baa-vendor">Vendor</label>
            <input id="baa-vendor" required maxLength={200} value={draft.vendor} onInput={set("vendor")} />
          </div>
          <div>
            <label for="baa-service">Service</label>
            <input id="baa-service" maxLength={200} value={draft.service} onInput={set("service")} />
          </div>
          <div>
            <label for="baa-phi">PHI it touches</label>
            <input id="baa-phi" maxLength={1000} value={draft.phi} onInput={set("phi")} />
          </div>
          <div>
            <label for="baa-status">Status</label>
            <select id="baa-status" value={draft.status} onChange={set("status")}>
              {["none", "requested", "signed", "expired", "terminated"].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="baa-signed">Signed on</label>
            <input id="baa-signed" type="date" value={draft.signed_at} onInput={set("signed_at")} />
          </div>
          <div>
            <label for="baa-expires">Expires on</label>
            <input id="baa-expires" type="date" value={draft.expires_at} onInput={set("expires_at")} />
          </div>
        </div>
        <ErrorLine error={error} id="baa-error" />
        <button class="primary" id="baa-create" disabled={busy}>
          Register
        </button>
      </form>
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <table id="baas">
          <thead>
            <tr>
              <th>Vendor</th>
              <th>Service</th>
              <th>Status</th>
              <th>Signed</th>
              <th>Expires</th>
              <th>Document</th>
            </tr>
          </thead>
          <tbody>
            {list.map((b) => (
              <tr key={b.id} data-baa={b.id}>
                <td>{b.vendor}</td>
                <td>{b.service}</td>
                <td>
                  <span class={"badge tone-" + baaClass(b)}>{b.status}</span>
                </td>
                <td>{b.signed_at ? formatDateTime(b.signed_at) : "—"}</td>
                <td>
                  {b.expires_at ? formatDateTime(b.expires_at) : "—"}
                  {b.days_left !== undefined && b.status === "signed" && <span class="muted small"> ({b.days_left} days)</span>}
                </td>
                <td>
                  {b.document && (
                    <a href={"/api/v1/baas/" + encodeURIComponent(b.id) + "/document"} download={b.document.name}>
                      {b.document.name}
                    </a>
                  )}{" "}
                  <label class="linklike">
                    Upload
                    <input class="sr-only" type="file" onChange={(e) => void upload(b, e.currentTarget.files?.[0])} />
                  </label>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
