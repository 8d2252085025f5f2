// The Legal holds page (compliance places and releases holds; the owner
// reads them) and the Retention overview (owners, admins, compliance):
// docs/retention.md. The pure part is src/holds.ts.
import { useEffect, useState } from "preact/hooks";
import {
  canManageHolds,
  canReadHolds,
  describeScope,
  emptyHoldDraft,
  holdRequest,
  isActive,
  maxMatter,
  policyLabel,
  retentionSetting,
  sortHolds,
  type HoldDraft,
  type LegalHold,
  type RetentionOverview,
} from "../holds";
import { useStore } from "../store";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, focusOnMount, formatDateTime } from "./common";
import { useDirectory } from "./Insights";

export function LegalHolds() {
  const w = useWard();
  const role = useStore(w.store).me?.user.role;
  const manage = canManageHolds(role);
  const dir = useDirectory();
  const [holds, setHolds] = useState<LegalHold[] | null>(null);
  const [draft, setDraft] = useState<HoldDraft>(emptyHoldDraft);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState("");

  async function load() {
    try {
      const r = await w.api.get<{ holds: LegalHold[] }>("/api/v1/holds");
      setHolds(sortHolds(r.holds ?? []));
    } catch (e) {
      setError(errorText(e));
      setHolds([]);
    }
  }
  useEffect(() => void load(), []);

  async function place(e: Event) {
    e.preventDefault();
    const r = holdRequest(draft);
    if (!r.body) {
      setError(r.error ?? "");
      return;
    }
    setBusy(true);
    setError("");
    try {
      await w.api.post<LegalHold>("/api/v1/holds", r.body);
      setDraft(emptyHoldDraft);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function release(h: LegalHold) {
    setConfirming("");
    setError("");
    try {
      await w.api.post<LegalHold>(`/api/v1/holds/${encodeURIComponent(h.id)}/release`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const name = (id: string) => {
    const u = dir?.[id];
    return u ? u.name || u.email : id;
  };
  const people = dir ? Object.values(dir).sort((a, b) => a.name.localeCompare(b.name)) : [];
  const set = (k: keyof HoldDraft) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });

  if (!canReadHolds(role)) return null;
  return (
    <div class="pad stack">
      <h1>Legal holds</h1>
      <p class="muted">
        While a hold is active nothing in its scope is destroyed: no lifespan purge, no attachment or patient retention, no
        audit purge; a recalled message keeps its sealed body for compliance review. Releasing lets retention proceed. See
        also <Link href="/retention">Retention</Link>.
      </p>
      {manage && (
        <form class="card filters" id="hold-form" aria-label="Place a legal hold" onSubmit={place}>
          <h2>Place a hold</h2>
          <div class="filter-grid">
            <div>
              <label for="hold-matter">Matter</label>
              <input id="hold-matter" required maxLength={maxMatter} placeholder="Case name or reference" value={draft.matter} onInput={set("matter")} />
            </div>
            <div>
              <label for="hold-user">User</label>
              {people.length ? (
                <select id="hold-user" value={draft.user_id} onChange={set("user_id")}>
                  <option value="">Anyone</option>
                  {people.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name} ({u.role})
                    </option>
                  ))}
                </select>
              ) : (
                <input id="hold-user" placeholder="User id" value={draft.user_id} onInput={set("user_id")} />
              )}
            </div>
            <div>
              <label for="hold-patient">Patient id</label>
              <input id="hold-patient" value={draft.patient_id} onInput={set("patient_id")} />
            </div>
            <div>
              <label for="hold-conversation">Conversation id</label>
              <input id="hold-conversation" value={draft.conversation_id} onInput={set("conversation_id")} />
            </div>
            <div>
              <label for="hold-from">From (UTC)</label>
              <input id="hold-from" type="date" value={draft.from} onInput={set("from")} />
            </div>
            <div>
              <label for="hold-to">To (UTC, included)</label>
              <input id="hold-to" type="date" value={draft.to} onInput={set("to")} />
            </div>
          </div>
          <p class="muted small">
            The scope is everything the chosen fields have in common; choose at least one. The matter is audited in the clear:
            no patient names.
          </p>
          <button class="primary" id="hold-place" disabled={busy}>
            Place hold
          </button>
        </form>
      )}
      <ErrorLine error={error} id="hold-error" />
      <section class="card" aria-labelledby="holds-title">
        <h2 id="holds-title">Holds</h2>
        {holds === null ? (
          <p class="muted">Loading…</p>
        ) : holds.length === 0 ? (
          <p id="holds-empty">No legal holds.</p>
        ) : (
          <div class="table-wrap">
            <table id="holds-table">
              <thead>
                <tr>
                  <th scope="col">Matter</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Placed</th>
                  <th scope="col">Status</th>
                  {manage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {holds.map((h) => (
                  <tr key={h.id} data-id={h.id} data-active={isActive(h) ? "yes" : "no"}>
                    <td>{h.matter}</td>
                    <td>{describeScope(h, name)}</td>
                    <td class="nowrap">
                      {formatDateTime(h.created_at)}
                      <div class="muted small">by {name(h.placed_by)}</div>
                    </td>
                    <td>{isActive(h) ? "Active" : `Released ${formatDateTime(h.released_at ?? "")}`}</td>
                    {manage && (
                      <td class="actions">
                        {isActive(h) &&
                          (confirming === h.id ? (
                            <span class="confirm" role="group" aria-label="Confirm release">
                              <span>Release this hold? Retention proceeds on what it kept.</span>
                              <button class="small danger confirm-yes" ref={focusOnMount} onClick={() => void release(h)}>
                                Yes, release
                              </button>
                              <button class="small" onClick={() => setConfirming("")}>
                                Cancel
                              </button>
                            </span>
                          ) : (
                            <button class="small" onClick={() => setConfirming(h.id)}>
                              Release<span class="sr-only"> {h.matter}</span>
                            </button>
                          ))}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

export function Retention() {
  const w = useWard();
  const role = useStore(w.store).me?.user.role;
  const [o, setO] = useState<RetentionOverview | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<RetentionOverview>("/api/v1/retention")
      .then(setO)
      .catch((e) => setError(errorText(e)));
  }, []);
  return (
    <div class="pad stack">
      <h1>Retention</h1>
      <p class="muted">
        Each policy, what it would destroy if the retention job ran now, and what a legal hold keeps. The job runs every ten
        minutes and reports each run to the audit trail (retention.purged). Counted from ids and times only.
      </p>
      <ErrorLine error={error} />
      {o && (
        <section class="card" aria-labelledby="retention-title">
          <h2 id="retention-title">Policies</h2>
          <div class="table-wrap">
            <table id="retention-table">
              <thead>
                <tr>
                  <th scope="col">Policy</th>
                  <th scope="col">Kept for</th>
                  <th scope="col">Due now</th>
                  <th scope="col">Held</th>
                  <th scope="col">Next due</th>
                </tr>
              </thead>
              <tbody>
                {o.policies.map((p) => (
                  <tr key={p.name} data-policy={p.name}>
                    <td>{policyLabel(p.name)}</td>
                    <td>{retentionSetting(p)}</td>
                    <td>{p.due_now}</td>
                    <td>{p.held}</td>
                    <td class="nowrap">{p.next_due ? formatDateTime(p.next_due) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p id="retention-holds">
            {o.active_holds} active legal hold{o.active_holds === 1 ? "" : "s"}; {o.held_copies} recalled message
            {o.held_copies === 1 ? "" : "s"} kept under hold.{" "}
            {canReadHolds(role) && <Link href="/holds">Legal holds</Link>}
          </p>
        </section>
      )}
    </div>
  );
}
