import { BAADashboardCard } from "./BAAs";
import { useEffect, useState } from "preact/hooks";
import type { User } from "../api";
import {
  auditActions,
  auditExportURL,
  auditSearchURL,
  bars,
  emptyFilters,
  exportRange,
  inboxSeries,
  inboxSummary,
  onCallSeries,
  onCallSummary,
  niceMax,
  rangeProblem,
  shortDay,
  summarize,
  type AuditEvent,
  type AuditFilters,
  type DayCount,
  type InboxStats,
  type OnCallStats,
  type Stats,
} from "../insights";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";

const pageSize = 50;

// useDirectory loads the org's people (for names and the user filter);
// roles that may not list users get an empty directory and type an id.
export function useDirectory(): Record<string, User> | null {
  const w = useWard();
  const [users, setUsers] = useState<Record<string, User> | null>(null);
  useEffect(() => {
    w.api
      .get<{ users: User[] }>("/api/v1/users", { quiet: false })
      .then((r) => {
        const m: Record<string, User> = {};
        for (const u of r.users) m[u.id] = u;
        setUsers(m);
      })
      .catch(() => setUsers({}));
  }, []);
  return users;
}

// AuditViewer: the compliance officer's search of the audit trail, newest
// first, with filters, "older" paging by cursor, and exports of what the
// filters select.
export function AuditViewer() {
  const w = useWard();
  const dir = useDirectory();
  const [draft, setDraft] = useState<AuditFilters>(emptyFilters);
  const [applied, setApplied] = useState<AuditFilters>(emptyFilters);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  async function load(f: AuditFilters, before = "") {
    setBusy(true);
    setError("");
    try {
      const r = await w.api.get<{ events: AuditEvent[] | null; next: string }>(auditSearchURL(f, before, pageSize));
      setEvents((cur) => (before ? [...(cur ?? []), ...(r.events ?? [])] : (r.events ?? [])));
      setNext(r.next ?? "");
    } catch (e) {
      setError(errorText(e));
      if (!before) setEvents([]);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => void load(emptyFilters), []);

  function search(e: Event) {
    e.preventDefault();
    const why = rangeProblem(draft);
    if (why) {
      setError(why);
      return;
    }
    setApplied(draft);
    void load(draft);
  }

  function clear() {
    setDraft(emptyFilters);
    setApplied(emptyFilters);
    void load(emptyFilters);
  }

  const set = (k: keyof AuditFilters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const name = (id: string) => {
    if (!id) return "system";
    const u = dir?.[id];
    return u ? u.name || u.email : id;
  };
  const people = dir ? Object.values(dir).sort((a, b) => a.name.localeCompare(b.name)) : [];

  return (
    <div class="pad stack">
      <h1>Audit trail</h1>
      <form class="card filters" onSubmit={search} aria-label="Filter the audit trail" id="audit-filters">
        <div class="filter-grid">
          <div>
            <label for="audit-user">User</label>
            {people.length ? (
              <select id="audit-user" value={draft.user} onChange={set("user")}>
                <option value="">Anyone</option>
                {people.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name} ({u.role})
                  </option>
                ))}
              </select>
            ) : (
              <input id="audit-user" placeholder="User id" value={draft.user} onInput={set("user")} />
            )}
          </div>
          <div>
            <label for="audit-patient">Patient id</label>
            <input id="audit-patient" value={draft.patient} onInput={set("patient")} />
          </div>
          <div>
            <label for="audit-action">Action</label>
            <select id="audit-action" value={draft.action} onChange={set("action")}>
              <option value="">Any action</option>
              {auditActions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="audit-from">From (UTC)</label>
            <input id="audit-from" type="date" value={draft.from} onInput={set("from")} />
          </div>
          <div>
            <label for="audit-to">To (UTC, included)</label>
            <input id="audit-to" type="date" value={draft.to} onInput={set("to")} />
          </div>
        </div>
        <div class="row">
          <button type="submit" class="primary" id="audit-search" disabled={busy}>
            Search
          </button>
          <button type="button" onClick={clear} disabled={busy}>
            Clear
          </button>
          <span class="spacer" />
          <a class="button" href={auditExportURL(applied, "csv")} download="ward-audit.csv" id="audit-export-csv">
            Export CSV
          </a>
          <a class="button" href={auditExportURL(applied, "jsonl")} download="ward-audit.jsonl" id="audit-export-jsonl">
            Export JSON lines
          </a>
        </div>
        <p class="muted small" id="audit-export-range">
          Exports hold every event the applied filters select from {exportRange(applied).from} to {exportRange(applied).to}{" "}
          (UTC; without dates, the last 30 days). Searching and exporting are audited too.
        </p>
      </form>
      <ErrorLine error={error} />
      <section class="card" aria-labelledby="audit-results-title">
        <h2 id="audit-results-title">
          Events{" "}
          <span class="muted small" role="status" id="audit-count">
            {events === null ? "" : `${events.length} shown${next ? ", more older" : ""}`}
          </span>
        </h2>
        {events === null ? (
          <p class="muted">Loading…</p>
        ) : events.length === 0 ? (
          <p id="audit-empty">No events match.</p>
        ) : (
          <div class="table-wrap">
            <table id="audit-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id} data-action={e.action} data-id={e.id}>
                    <td class="nowrap">{formatDateTime(e.time)}</td>
                    <td>
                      {name(e.actor_user_id)}
                      {e.actor_role && <span class="muted small"> · {e.actor_role}</span>}
                    </td>
                    <td>
                      <code>{e.action}</code>
                      {e.reason && <div class="muted small">Reason: {e.reason}</div>}
                    </td>
                    <td class="mono small wrap">{e.resource_type ? `${e.resource_type} ${e.resource_id}` : "—"}</td>
                    <td class="mono small wrap">{e.patient_id || "—"}</td>
                    <td>
                      <span class={"badge outcome-" + (e.outcome || "unknown")}>{e.outcome || "—"}</span>
                    </td>
                    <td class="mono small">{e.actor_ip || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {next && (
          <button id="audit-older" disabled={busy} onClick={() => void load(applied, next)}>
            {busy ? "Loading…" : "Older events"}
          </button>
        )}
      </section>
    </div>
  );
}

// Dashboard: the org at a glance (counts only, no message content).
export function Dashboard() {
  const w = useWard();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<Stats>("/api/v1/stats?days=30")
      .then(setStats)
      .catch((e) => setError(errorText(e)));
  }, []);

  if (error) return <ErrorLine error={error} />;
  if (!stats) return <p class="muted">Loading…</p>;
  return (
    <div class="stack" id="dashboard">
      <div class="tiles">
        <Tile label="Active devices" value={stats.active_devices} id="tile-active-devices" />
        <BreakdownTile label="Devices by status" counts={stats.devices_by_status} id="tile-devices" />
        <BreakdownTile label="Users by role" counts={stats.users_by_role} id="tile-users" />
      </div>
      <div class="charts">
        <BarChart id="chart-messages" title="Messages per day" data={stats.messages_per_day ?? []} what="messages" kind="messages" />
        <BarChart
          id="chart-failed-logins"
          title="Failed sign-ins per day"
          data={stats.failed_logins_per_day ?? []}
          what="failed sign-ins"
          kind="failed"
        />
      </div>
      <p class="muted small">Days are UTC; the last {stats.days} days, today included.</p>
      <BAADashboardCard />
      <InboxTimes />
      <OnCallPages />
    </div>
  );
}

// InboxTimes: each care team's first-response and resolution times, the
// daily medians over the last 30 days (no content: ids and times).
function InboxTimes() {
  const w = useWard();
  const [st, setSt] = useState<InboxStats | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<InboxStats>("/api/v1/inbox/stats")
      .then(setSt)
      .catch((e) => setError(errorText(e)));
  }, []);
  if (error) return <ErrorLine error={error} />;
  if (!st) return null;
  const teams = (st.teams ?? []).filter((t) => (t.days ?? []).length > 0);
  return (
    <section class="stack" id="inbox-times" aria-label="Team inbox response times">
      <h2>Team inbox response times</h2>
      {teams.length === 0 && <p class="muted">No team inbox thread was answered or closed in the last 30 days.</p>}
      {teams.map((t) => (
        <div class="charts" key={t.team_id} data-team={t.team_id}>
          <BarChart
            id={"chart-first-response-" + t.team_id}
            title={t.name + ": first response, daily median (minutes)"}
            data={inboxSeries(t.days, st.from, st.to, "first_response", 60)}
            what="minutes"
            kind="messages"
            summary={inboxSummary(t.days, "first_response")}
          />
          <BarChart
            id={"chart-resolution-" + t.team_id}
            title={t.name + ": resolution, daily median (hours)"}
            data={inboxSeries(t.days, st.from, st.to, "resolution", 3600)}
            what="hours"
            kind="messages"
            summary={inboxSummary(t.days, "resolution")}
          />
        </div>
      ))}
      <p class="muted small">
        First response: from the patient's message that started a wait to the first staff answer (an automatic reply is not
        one). Resolution: from a thread's start, or reopening, to its closing. Days are UTC, by when it ended.
      </p>
    </section>
  );
}

function Tile(props: { label: string; value: number; id: string }) {
  return (
    <section class="card tile" id={props.id} aria-label={props.label}>
      <h2 class="tile-label">{props.label}</h2>
      <p class="tile-value">{props.value}</p>
    </section>
  );
}

function BreakdownTile(props: { label: string; counts: Record<string, number>; id: string }) {
  const entries = Object.entries(props.counts ?? {}).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((n, [, c]) => n + c, 0);
  return (
    <section class="card tile" id={props.id} aria-label={props.label}>
      <h2 class="tile-label">{props.label}</h2>
      <p class="tile-value">{total}</p>
      <dl class="breakdown">
        {entries.map(([k, c]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{c}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

// BarChart draws one bar per day as inline SVG (attributes only: the CSP
// forbids style attributes, and classes colour it).
function BarChart(props: { id: string; title: string; data: DayCount[]; what: string; kind: string; summary?: string }) {
  const W = 600;
  const H = 160;
  const left = 36;
  const bottom = 22;
  const top = 8;
  const plotW = W - left - 4;
  const plotH = H - top - bottom;
  const max = niceMax(Math.max(0, ...props.data.map((d) => d.count)));
  const bs = bars(props.data, plotW, plotH, max);
  const titleID = props.id + "-title";
  const descID = props.id + "-desc";
  const first = props.data[0]?.day;
  const last = props.data[props.data.length - 1]?.day;
  return (
    <figure class={"card chart chart-" + props.kind} id={props.id}>
      <figcaption>
        <h2 class="chart-title" id={titleID}>
          {props.title}
        </h2>
        <p class="muted small" id={descID}>
          {props.summary ?? summarize(props.data, props.what)}
        </p>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} class="chart-svg" role="img" aria-labelledby={titleID} aria-describedby={descID}>
        <g class="axis">
          <line x1={left} y1={top} x2={left} y2={top + plotH} />
          <line x1={left} y1={top + plotH} x2={W - 4} y2={top + plotH} />
          <line class="grid" x1={left} y1={top} x2={W - 4} y2={top} />

          <text x={left - 6} y={top + 4} text-anchor="end">
            {max}
          </text>
          {Number.isInteger(max / 2) && (
            <>
              <line class="grid" x1={left} y1={top + plotH / 2} x2={W - 4} y2={top + plotH / 2} />
              <text x={left - 6} y={top + plotH / 2 + 4} text-anchor="end">
                {max / 2}
              </text>
            </>
          )}
          <text x={left - 6} y={top + plotH + 4} text-anchor="end">
            0
          </text>
          {first && (
            <text x={left} y={H - 4} text-anchor="start">
              {shortDay(first)}
            </text>
          )}
          {last && (
            <text x={W - 4} y={H - 4} text-anchor="end">
              {shortDay(last)}
            </text>
          )}
        </g>
        <g class="bars" transform={`translate(${left} ${top})`}>
          {bs.map((b) => (
            <rect key={b.day} x={b.x} y={b.y} width={b.width} height={b.height} class="bar" data-day={b.day} data-count={b.count}>
              <title>
                {shortDay(b.day)}: {b.count}
              </title>
            </rect>
          ))}
        </g>
      </svg>
    </figure>
  );
}

// OnCallPages: each on-call role's pages per day, with how many were
// acknowledged, the median time to acknowledge and the escalations (ids
// and times only), over the last 30 days.
function OnCallPages() {
  const w = useWard();
  const [st, setSt] = useState<OnCallStats | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<OnCallStats>("/api/v1/oncall/stats")
      .then(setSt)
      .catch((e) => setError(errorText(e)));
  }, []);
  if (error) return <ErrorLine error={error} />;
  if (!st) return null;
  const roles = (st.roles ?? []).filter((r) => (r.days ?? []).length > 0);
  return (
    <section class="stack" id="oncall-pages" aria-label="On-call pages">
      <h2>On-call pages</h2>
      {roles.length === 0 && <p class="muted">No role was paged in the last 30 days.</p>}
      {roles.map((r) => (
        <div class="charts" key={r.role_id} data-role={r.role_id}>
          <BarChart
            id={"chart-pages-" + r.role_id}
            title={r.name + ": pages per day"}
            data={onCallSeries(r.days, st.from, st.to, "pages")}
            what="pages"
            kind="messages"
            summary={onCallSummary(r.days)}
          />
          <BarChart
            id={"chart-escalations-" + r.role_id}
            title={r.name + ": escalations per day"}
            data={onCallSeries(r.days, st.from, st.to, "escalations")}
            what="escalations"
            kind="failed"
          />
        </div>
      ))}
      <p class="muted small">
        A page is an urgent message to an on-call role; acknowledged and the median time to acknowledge count from the page to
        its first acknowledgement. An escalation is a step along the role's chain (secondary, lead). Days are UTC.
      </p>
    </section>
  );
}
