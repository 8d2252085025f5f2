// The Alerts page (compliance officers): activity-monitoring alerts with
// their severity, evidence and actions. The pure part is src/alerts.ts.
import { useEffect, useState } from "preact/hooks";
import {
  alertsURL,
  canAct,
  dismissProblem,
  escalateProblem,
  fromAlertsURL,
  keepOpen,
  maxDismissReason,
  ruleLabel,
  seqText,
  severities,
  severityClass,
  statusLabel,
  statuses,
  toggleSelected,
  type Alert,
} from "../alerts";
import type { Incident } from "../incidents";
import { useStore } from "../store";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";
import { useDirectory } from "./Insights";

export function Alerts() {
  const w = useWard();
  const st = useStore(w.store);
  const dir = useDirectory();
  const [status, setStatus] = useState("new");
  const [severity, setSeverity] = useState("");
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  async function load() {
    try {
      const list = (await w.api.get<{ alerts: Alert[] }>(alertsURL(status, severity))).alerts ?? [];
      setAlerts(list);
      setSelected((sel) => keepOpen(sel, list));
    } catch (e) {
      setError(errorText(e));
      setAlerts([]);
    }
  }
  useEffect(() => void load(), [status, severity, st.alertsRaised.length]);
  const name = (id: string) => dir?.[id]?.name || id;
  // openIncident opens a breach incident from alerts (their users, window
  // and patients; the alerts escalated to it) and lands on it.
  async function openIncident(ids: string[]) {
    if (!ids.length) return;
    setBusy(true);
    setError("");
    try {
      const i = await w.api.post<Incident>(fromAlertsURL, { alert_ids: ids });
      w.navigate("/compliance/incidents/" + encodeURIComponent(i.id));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }
  return (
    <div class="pad stack" id="alerts-page">
      <h1>Alerts</h1>
      <div class="row" id="alert-filters">
        <label>
          Status{" "}
          <select id="alert-status" value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel({ status: s, escalated_to: null })}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity{" "}
          <select id="alert-severity" value={severity} onChange={(e) => setSeverity((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {severities.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button class="danger" id="open-incident-selected" disabled={busy || selected.length === 0} onClick={() => void openIncident(selected)}>
          Open incident from selected ({selected.length})
        </button>
      </div>
      <ErrorLine error={error} id="alerts-error" />
      {alerts === null ? (
        <p class="muted">Loading…</p>
      ) : alerts.length === 0 ? (
        <p class="muted" id="no-alerts">
          No alerts.
        </p>
      ) : (
        <ul class="stack plain" id="alert-list">
          {alerts.map((a) => (
            <AlertCard
              key={a.id}
              alert={a}
              name={name}
              onChange={load}
              selected={selected.includes(a.id)}
              onSelect={() => setSelected((sel) => toggleSelected(sel, a.id))}
              onOpenIncident={() => void openIncident([a.id])}
              busy={busy}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function AlertCard(props: {
  alert: Alert;
  name: (id: string) => string;
  onChange: () => Promise<void>;
  selected: boolean;
  onSelect: () => void;
  onOpenIncident: () => void;
  busy: boolean;
}) {
  const w = useWard();
  const a = props.alert;
  const ev = a.evidence;
  const [reason, setReason] = useState("");
  const [incident, setIncident] = useState("");
  const [error, setError] = useState("");
  const act = canAct(a.status);
  async function post(path: string, body: unknown, problem = "") {
    setError(problem);
    if (problem) return;
    try {
      await w.api.post(`/api/v1/compliance/alerts/${encodeURIComponent(a.id)}/${path}`, body);
      await props.onChange();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li class={"card stack alert sev-" + a.severity} data-alert={a.id} data-rule={a.rule} data-status={a.status}>
      <div>
        {act.close && (
          <input
            type="checkbox"
            class="select-alert"
            aria-label="Select for an incident"
            checked={props.selected}
            onChange={props.onSelect}
          />
        )}{" "}
        <span class={severityClass(a.severity)}>{a.severity}</span> <strong>{ruleLabel(a.rule)}</strong> — {a.summary}
      </div>
      <div class="muted">
        {statusLabel(a)} · raised {formatDateTime(a.raised_at)} · events {formatDateTime(a.first_at)} to {formatDateTime(a.last_at)}
      </div>
      <dl class="evidence">
        {!!ev.user_ids?.length && (
          <>
            <dt>Users</dt>
            <dd>{ev.user_ids.map(props.name).join(", ")}</dd>
          </>
        )}
        {!!ev.patient_ids?.length && (
          <>
            <dt>Patients ({ev.patient_ids.length})</dt>
            <dd>
              <code>{ev.patient_ids.join(" ")}</code>
            </dd>
          </>
        )}
        {!!ev.accounts?.length && (
          <>
            <dt>Accounts</dt>
            <dd>{ev.accounts.map(props.name).join(", ")}</dd>
          </>
        )}
        {!!ev.addresses?.length && (
          <>
            <dt>Addresses</dt>
            <dd>{ev.addresses.join(", ")}</dd>
          </>
        )}
        {!!ev.devices?.length && (
          <>
            <dt>Devices</dt>
            <dd>
              <code>{ev.devices.join(" ")}</code>
            </dd>
          </>
        )}
        {!!ev.attempts && (
          <>
            <dt>Sign-in attempts</dt>
            <dd>{ev.attempts}</dd>
          </>
        )}
        <dt>Audit events ({ev.events})</dt>
        <dd>seq {seqText(ev.seq_ranges)}</dd>
      </dl>
      <ErrorLine error={error} />
      {(act.acknowledge || act.close) && (
        <div class="row alert-actions">
          {act.acknowledge && (
            <button class="small acknowledge" onClick={() => void post("acknowledge", {})}>
              Acknowledge
            </button>
          )}
          {act.close && (
            <>
              <label class="sr-only" for={`dismiss-${a.id}`}>
                Reason
              </label>
              <input
                id={`dismiss-${a.id}`}
                class="dismiss-reason"
                placeholder="Reason (required)"
                maxLength={maxDismissReason}
                value={reason}
                onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
              />
              <button class="small danger open-incident" disabled={props.busy} onClick={props.onOpenIncident}>
                Open incident
              </button>
              <button class="small dismiss" onClick={() => void post("dismiss", { reason: reason.trim() }, dismissProblem(reason))}>
                Dismiss
              </button>
              <label class="sr-only" for={`incident-${a.id}`}>
                Incident id
              </label>
              <input
                id={`incident-${a.id}`}
                class="incident-id"
                placeholder="Incident id"
                maxLength={64}
                value={incident}
                onInput={(e) => setIncident((e.currentTarget as HTMLInputElement).value)}
              />
              <button class="small danger escalate" onClick={() => void post("escalate", { incident_id: incident.trim() }, escalateProblem(incident))}>
                Escalate
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}
