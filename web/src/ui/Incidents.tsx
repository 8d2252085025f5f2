// Breach incidents (compliance): the list with the deadline countdown and
// the open-an-incident form, and one incident's page with the four-factor
// risk assessment, its affected patients, letters, the HHS export and
// closing. The pure part is src/incidents.ts; docs/compliance.md.
import { useEffect, useState } from "preact/hooks";
import {
  assessmentError,
  countdown,
  emptyAssessment,
  emptyIncidentDraft,
  factors,
  incidentRequest,
  noticeText,
  urgency,
  type AffectedPatient,
  type Assessment,
  type Incident,
  type IncidentDraft,
} from "../incidents";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, formatDateTime } from "./common";

const ratings = ["", "low", "moderate", "high"] as const;

function Countdown(props: { i: Incident }) {
  return (
    <span class={"badge tone-" + urgency(props.i.days_left, props.i.status)} data-days={props.i.days_left}>
      {countdown(props.i.days_left, props.i.status)}
    </span>
  );
}

export function IncidentList() {
  const w = useWard();
  const [list, setList] = useState<Incident[] | null>(null);
  const [draft, setDraft] = useState<IncidentDraft>(emptyIncidentDraft);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      const r = await w.api.get<{ incidents: Incident[] }>("/api/v1/incidents");
      setList(r.incidents ?? []);
    } catch (e) {
      setError(errorText(e));
      setList([]);
    }
  }
  useEffect(() => void load(), []);

  async function open(e: Event) {
    e.preventDefault();
    const r = incidentRequest(draft);
    if (!r.body) return setError(r.error ?? "");
    setBusy(true);
    setError("");
    try {
      const i = await w.api.post<Incident>("/api/v1/incidents", r.body);
      w.navigate("/compliance/incidents/" + encodeURIComponent(i.id));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  const set = (k: keyof IncidentDraft) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div class="pad stack">
      <h1>Breach incidents</h1>
      <p class="muted">
        Each incident runs to its notification deadline: 60 days after discovery (45 CFR 164.404). Compliance officers are
        reminded by email and on their devices with notifications on, 30, 14, 7 and 1 days before. See also <Link href="/compliance/baas">Business associate agreements</Link>.
      </p>
      <form class="card filters" id="incident-form" aria-label="Open an incident" onSubmit={open}>
        <h2>Open an incident</h2>
        <div class="filter-grid">
          <div>
            <label for="incident-title">Title</label>
            <input id="incident-title" required maxLength={200} placeholder="No patient names" value={draft.title} onInput={set("title")} />
          </div>
          <div>
            <label for="incident-discovered">Discovered on</label>
            <input id="incident-discovered" type="date" required value={draft.discovered_at} onInput={set("discovered_at")} />
          </div>
          <div>
            <label for="incident-alert">From alert (id, optional)</label>
            <input id="incident-alert" value={draft.alert_id} onInput={set("alert_id")} />
          </div>
        </div>
        <label for="incident-what">What happened</label>
        <textarea id="incident-what" rows={3} value={draft.what_happened} onInput={set("what_happened")} />
        <ErrorLine error={error} id="incident-error" />
        <button class="primary" id="incident-open" disabled={busy}>
          Open incident
        </button>
      </form>
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted" id="incidents-empty">No incidents.</p>
      ) : (
        <table id="incidents">
          <thead>
            <tr>
              <th>Discovered</th>
              <th>Status</th>
              <th>Outcome</th>
              <th>Deadline</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={i.id} data-incident={i.id}>
                <td>{formatDateTime(i.discovered_at)}</td>
                <td>{i.status}</td>
                <td>{i.outcome || "not assessed"}</td>
                <td>
                  {formatDateTime(i.deadline)} <Countdown i={i} />
                </td>
                <td>
                  <Link href={"/compliance/incidents/" + encodeURIComponent(i.id)}>Open</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function IncidentView(props: { id: string }) {
  const w = useWard();
  const [i, setI] = useState<Incident | null>(null);
  const [a, setA] = useState<Assessment>(emptyAssessment);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [pid, setPid] = useState("");
  const [state, setState] = useState("");
  const [reason, setReason] = useState("");
  const base = "/api/v1/incidents/" + encodeURIComponent(props.id);

  async function load() {
    try {
      const r = await w.api.get<Incident>(base);
      setI(r);
      setA({ ...emptyAssessment, ...(r.details?.assessment ?? {}) });
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), [props.id]);

  async function act(f: () => Promise<unknown>) {
    setBusy(true);
    setError("");
    try {
      await f();
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  if (!i) return <div class="pad">{error ? <ErrorLine error={error} /> : <p class="muted">Loading…</p>}</div>;
  const closed = i.status === "closed";
  const aErr = assessmentError(a);
  const setFactor = (k: (typeof factors)[number]["key"], field: "rating" | "notes") => (e: Event) =>
    setA({ ...a, [k]: { ...a[k], [field]: (e.currentTarget as HTMLInputElement).value } });
  const live = (i.patients ?? []).filter((p) => !p.removed);

  return (
    <div class="pad stack" id="incident" data-status={i.status}>
      <p>
        <Link href="/compliance/incidents">← Incidents</Link>
      </p>
      <h1>{i.details?.title ?? "Incident"}</h1>
      <div class="card stack" id="incident-clock">
        <p>
          Discovered {formatDateTime(i.discovered_at)}; notify by <strong>{formatDateTime(i.deadline)}</strong> <Countdown i={i} />
        </p>
        <p class="muted small">Reminders sent: {(i.reminders_sent ?? []).map((d) => d + " days").join(", ") || "none yet"}</p>
        {i.alert_ids.length > 0 && <p class="muted small">From alerts: {i.alert_ids.join(", ")}</p>}
        <p id="incident-notice">{noticeText(i.notice)}</p>
        {closed && <p class="notice">Closed {formatDateTime(i.closed_at ?? "")}: read-only.</p>}
      </div>
      {i.details?.what_happened && (
        <section class="card">
          <h2>What happened</h2>
          <p>{i.details.what_happened}</p>
        </section>
      )}

      <form
        class="card stack"
        id="assessment-form"
        aria-label="Risk assessment"
        onSubmit={(e) => {
          e.preventDefault();
          if (aErr) return setError(aErr);
          void act(() => w.api.put(base + "/assessment", a));
        }}
      >
        <h2>Risk assessment (45 CFR 164.402(2))</h2>
        {factors.map((f) => (
          <fieldset key={f.key} class="stack" data-factor={f.key} disabled={closed}>
            <legend>{f.label}</legend>
            <p class="muted small">{f.help}</p>
            <label for={"rating-" + f.key}>Risk</label>
            <select id={"rating-" + f.key} value={a[f.key].rating} onChange={setFactor(f.key, "rating")}>
              {ratings.map((r) => (
                <option key={r} value={r}>
                  {r || "not rated"}
                </option>
              ))}
            </select>
            <label for={"notes-" + f.key}>Notes</label>
            <textarea id={"notes-" + f.key} rows={2} value={a[f.key].notes} onInput={setFactor(f.key, "notes")} />
          </fieldset>
        ))}
        <label for="assessment-outcome">Outcome</label>
        <select
          id="assessment-outcome"
          disabled={closed}
          value={a.outcome}
          onChange={(e) => setA({ ...a, outcome: (e.currentTarget as HTMLSelectElement).value as Assessment["outcome"] })}
        >
          <option value="">Not decided</option>
          <option value="low_probability">Low probability of compromise: not a breach</option>
          <option value="breach">Breach: notify</option>
        </select>
        {aErr && <p class="notice">{aErr}</p>}
        {!closed && (
          <button class="primary" id="assessment-save" disabled={busy}>
            Save assessment
          </button>
        )}
      </form>

      <section class="card stack" id="incident-patients" aria-labelledby="patients-title">
        <h2 id="patients-title">Affected patients ({live.length})</h2>
        {!closed && (
          <p>
            <button id="compute-patients" disabled={busy} onClick={() => void act(() => w.api.post(base + "/patients/compute"))}>
              Compute from the audit trail
            </button>{" "}
            <span class="muted small">The records the incident's users or devices read in its window.</span>
          </p>
        )}
        <ul class="stack">
          {(i.patients ?? []).map((p: AffectedPatient) => (
            <li key={p.patient_id} data-patient={p.patient_id} data-removed={p.removed ? "1" : "0"}>
              <code>{p.patient_id}</code> {p.state && <span class="badge">{p.state}</span>} <span class="muted small">({p.source})</span>{" "}
              {p.removed ? (
                <span class="muted">removed</span>
              ) : (
                <>
                  <a href={base + "/letters/" + encodeURIComponent(p.patient_id)} download>
                    Letter (PDF)
                  </a>{" "}
                  {!closed && (
                    <button
                      class="linklike"
                      disabled={busy || !reason.trim()}
                      onClick={() =>
                        void act(() => w.api.post(base + "/patients/" + encodeURIComponent(p.patient_id) + "/remove", { reason }))
                      }
                    >
                      Remove (with the reason below)
                    </button>
                  )}
                </>
              )}
              {p.changes.map((c) => (
                <p class="muted small" key={c.at}>
                  {c.op} {formatDateTime(c.at)}: {c.reason}
                </p>
              ))}
            </li>
          ))}
        </ul>
        {!closed && (
          <form
            class="filter-grid"
            id="patient-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await w.api.post(base + "/patients", { patient_id: pid.trim(), state, reason });
                setPid("");
                setState("");
              });
            }}
          >
            <div>
              <label for="patient-id">Patient record id</label>
              <input id="patient-id" value={pid} onInput={(e) => setPid(e.currentTarget.value)} />
            </div>
            <div>
              <label for="patient-state">State (2 letters)</label>
              <input id="patient-state" maxLength={2} value={state} onInput={(e) => setState(e.currentTarget.value)} />
            </div>
            <div>
              <label for="patient-reason">Reason (required)</label>
              <input id="patient-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
            <button id="patient-add" disabled={busy}>
              Add or set state
            </button>
          </form>
        )}
      </section>

      <section class="card stack" aria-labelledby="hhs-title">
        <h2 id="hhs-title">HHS breach portal</h2>
        <p>
          <a href={base + "/hhs"} download="hhs-breach-report.json" id="hhs-json">
            Fields (JSON)
          </a>{" "}
          ·{" "}
          <a href={base + "/hhs?format=csv"} download id="hhs-csv">
            Fields (CSV)
          </a>{" "}
          · <a href={"/api/v1/incidents/annual-log?format=csv&year=" + new Date(i.discovered_at).getUTCFullYear()}>Annual log (CSV)</a>
        </p>
      </section>
      <ErrorLine error={error} id="incident-view-error" />
      {!closed && (
        <p>
          <button class="danger" id="incident-close" disabled={busy} onClick={() => void act(() => w.api.post(base + "/close"))}>
            Close incident (read-only afterwards)
          </button>
        </p>
      )}
    </div>
  );
}
