// The audit viewer's and the dashboard's pure parts: query strings for the
// audit search and export, and the arithmetic of the small bar charts.

export interface AuditFilters {
  user: string;
  patient: string;
  action: string;
  from: string; // YYYY-MM-DD (the day's start, UTC)
  to: string; // YYYY-MM-DD (the day is included)
}

export const emptyFilters: AuditFilters = { user: "", patient: "", action: "", from: "", to: "" };

export interface AuditEvent {
  seq: number;
  id: number;
  time: string;
  actor_user_id: string;
  actor_role: string;
  actor_device_id: string;
  actor_ip: string;
  action: string;
  resource_type: string;
  resource_id: string;
  patient_id: string;
  outcome: string;
  reason: string;
}

export interface DayCount {
  day: string;
  count: number;
}

export interface Stats {
  days: number;
  messages_per_day: DayCount[];
  failed_logins_per_day: DayCount[];
  active_devices: number;
  devices_by_status: Record<string, number>;
  users_by_role: Record<string, number>;
}

// The actions ward audits (internal/audit/actions.go), for the filter.
export const auditActions = [
  "login.succeeded",
  "login.failed",
  "session.revoked",
  "session.expired",
  "mfa.enrolled",
  "mfa.failed",
  "password.changed",
  "password.change_failed",
  "session.reauthenticated",
  "login.throttled",
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "device.approved",
  "device.locked",
  "device.unlocked",
  "device.wipe_requested",
  "device.wipe_delivered",
  "device.wipe_confirmed",
  "device.push_subscribed",
  "device.push_unsubscribed",
  "settings.notifications_updated",
  "settings.presence_changed",
  "conversation.created",
  "conversation.read",
  "conversation.member_added",
  "conversation.member_removed",
  "message.sent",
  "message.read",
  "message.acknowledged",
  "message.delivered",
  "message.recalled",
  "message.purged",
  "attachment.uploaded",
  "attachment.downloaded",
  "patient.read",
  "breakglass.opened",
  "compliance.review",
  "access.denied",
  "policy.updated",
  "keys.rotated",
  "keys.shredded",
  "audit.searched",
  "audit.exported",
  "audit.purged",
  "hold.placed",
  "hold.changed",
  "hold.released",
  "retention.purged",
  "incident.opened",
  "incident.updated",
  "incident.assessed",
  "incident.read",
  "incident.patients_computed",
  "incident.patient_added",
  "incident.patient_removed",
  "incident.letter",
  "incident.exported",
  "incident.closed",
  "incident.reminded",
  "baa.created",
  "baa.updated",
  "baa.document_stored",
  "baa.document_read",
  "baa.reminded",
];

function filterParams(f: AuditFilters): [string, string][] {
  const out: [string, string][] = [];
  const add = (k: string, v: string) => {
    const t = v.trim();
    if (t) out.push([k, t]);
  };
  add("user", f.user);
  add("patient", f.patient);
  add("action", f.action);
  add("from", f.from);
  add("to", f.to);
  return out;
}

// auditSearchURL: GET /api/v1/audit with the filters, a cursor and a page size.
export function auditSearchURL(f: AuditFilters, before = "", limit = 50): string {
  const p = new URLSearchParams(filterParams(f));
  if (before) p.set("before", before);
  p.set("limit", String(limit));
  return "/api/v1/audit?" + p.toString();
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

// exportRange: an export needs both dates (the server refuses an open
// range); what the filters leave open is the 30 days up to To (or today,
// UTC).
export function exportRange(f: AuditFilters, now = new Date()): { from: string; to: string } {
  const to = f.to || isoDay(now);
  let from = f.from;
  if (!from) {
    const d = new Date(to + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() - 29);
    from = isoDay(d);
  }
  return { from, to };
}

// auditExportURL: GET /api/v1/audit/export, a download (the cookie
// authenticates a same-origin GET).
export function auditExportURL(f: AuditFilters, format: "jsonl" | "csv", now = new Date()): string {
  const p = new URLSearchParams(filterParams({ ...f, ...exportRange(f, now) }));
  p.set("format", format);
  return "/api/v1/audit/export?" + p.toString();
}

// validRange: an empty string when the dates make sense, else why not.
export function rangeProblem(f: AuditFilters): string {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (f.from && !re.test(f.from)) return "From must be a date.";
  if (f.to && !re.test(f.to)) return "To must be a date.";
  if (f.from && f.to && f.from > f.to) return "From is after To.";
  return "";
}

// niceMax rounds a chart's top up to 1, 2 or 5 × a power of ten (at least
// 1), so the scale reads well.
export function niceMax(n: number): number {
  if (!(n > 1)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(n)));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  day: string;
  count: number;
}

// bars lays out one bar per day in a plot of the given size (SVG user
// units, y down): equal slots with a gap, heights scaled to max, and a
// non-zero count at least 1 unit tall so it is not lost.
export function bars(data: DayCount[], width: number, height: number, max = niceMax(Math.max(0, ...data.map((d) => d.count)))): Bar[] {
  if (!data.length) return [];
  const slot = width / data.length;
  const gap = Math.min(2, slot * 0.2);
  return data.map((d, i) => {
    const c = Math.max(0, d.count);
    let h = max > 0 ? (c / max) * height : 0;
    if (c > 0 && h < 1) h = 1;
    h = Math.min(h, height);
    return {
      x: round2(i * slot + gap / 2),
      y: round2(height - h),
      width: round2(slot - gap),
      height: round2(h),
      day: d.day,
      count: c,
    };
  });
}

const round2 = (n: number) => Math.round(n * 100) / 100;

// summarize says a series in words (for screen readers and the caption).
export function summarize(data: DayCount[], what: string): string {
  if (!data.length) return `No ${what} data.`;
  const total = data.reduce((n, d) => n + Math.max(0, d.count), 0);
  const top = data.reduce((a, b) => (b.count > a.count ? b : a));
  return total === 0
    ? `No ${what} in the last ${data.length} days.`
    : `${total} ${what} in the last ${data.length} days; the most, ${top.count}, on ${top.day}.`;
}

// shortDay: "2026-03-07" → "Mar 7" (UTC, as the server counts days).
export function shortDay(day: string): string {
  const d = new Date(day + "T00:00:00Z");
  if (isNaN(d.getTime())) return day;
  return d.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

// ---- team inbox response times (GET /api/v1/inbox/stats) ----

export interface InboxDay {
  day: string;
  first_response_count: number;
  first_response_p50_s: number;
  first_response_p90_s: number;
  resolution_count: number;
  resolution_p50_s: number;
  resolution_p90_s: number;
  count: number;
}

export interface InboxTeamStats {
  team_id: string;
  name: string;
  days: InboxDay[];
}

export interface InboxStats {
  from: string;
  to: string;
  teams: InboxTeamStats[];
}

export type InboxKind = "first_response" | "resolution";

// dayRange lists every day from from to to, both included (YYYY-MM-DD, UTC).
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.parse(from + "T00:00:00Z");
  const end = Date.parse(to + "T00:00:00Z");
  if (isNaN(start) || isNaN(end)) return out;
  for (let t = start; t <= end && out.length < 400; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

// inboxSeries is a team's daily median of one kind as chart data: every day
// of the range (zero where nothing ended that day), in whole units of unitS
// seconds (60: minutes), rounded up so a short time still shows.
export function inboxSeries(days: InboxDay[], from: string, to: string, kind: InboxKind, unitS: number): DayCount[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  return dayRange(from, to).map((day) => {
    const d = byDay.get(day);
    const s = d ? (kind === "first_response" ? d.first_response_p50_s : d.resolution_p50_s) : 0;
    return { day, count: s > 0 ? Math.ceil(s / unitS) : 0 };
  });
}

// durationText says seconds the way people read waits: "40 s", "12 min",
// "3.5 h", "2.1 d".
export function durationText(s: number): string {
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} d`;
}

// inboxSummary says a team's times of one kind over the range in words:
// how many, and the slowest day's median and 90th percentile.
export function inboxSummary(days: InboxDay[], kind: InboxKind): string {
  const what = kind === "first_response" ? "first responses" : "resolutions";
  const n = (d: InboxDay) => (kind === "first_response" ? d.first_response_count : d.resolution_count);
  const p50 = (d: InboxDay) => (kind === "first_response" ? d.first_response_p50_s : d.resolution_p50_s);
  const p90 = (d: InboxDay) => (kind === "first_response" ? d.first_response_p90_s : d.resolution_p90_s);
  const with_ = days.filter((d) => n(d) > 0);
  if (!with_.length) return `No ${what} in this range.`;
  const total = with_.reduce((a, d) => a + n(d), 0);
  const worst = with_.reduce((a, b) => (p50(b) > p50(a) ? b : a));
  return `${total} ${what}; the slowest day, ${shortDay(worst.day)}: median ${durationText(p50(worst))}, 90th percentile ${durationText(p90(worst))}.`;
}

// ---- on-call pages (GET /api/v1/oncall/stats) ----

export interface OnCallDay {
  day: string;
  pages: number;
  acknowledged: number;
  ack_p50_s: number;
  escalations: number;
}

export interface OnCallRoleStats {
  role_id: string;
  name: string;
  days: OnCallDay[];
}

export interface OnCallStats {
  from: string;
  to: string;
  roles: OnCallRoleStats[];
}

export type OnCallFigure = "pages" | "acknowledged" | "escalations";

// onCallSeries is a role's daily count of one figure as chart data: every
// day of the range, zero where there was none.
export function onCallSeries(days: OnCallDay[], from: string, to: string, figure: OnCallFigure): DayCount[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  return dayRange(from, to).map((day) => ({ day, count: byDay.get(day)?.[figure] ?? 0 }));
}

// onCallSummary says a role's pages over the range in words: how many,
// how many were acknowledged, the slowest day's median time to
// acknowledge, and the escalations.
export function onCallSummary(days: OnCallDay[]): string {
  const sum = (f: (d: OnCallDay) => number) => days.reduce((a, d) => a + f(d), 0);
  const pages = sum((d) => d.pages);
  const escalations = sum((d) => d.escalations);
  if (!pages && !escalations) return "No pages in this range.";
  const acked = days.filter((d) => d.acknowledged > 0);
  let s = `${pages} pages, ${sum((d) => d.acknowledged)} acknowledged`;
  if (acked.length) {
    const worst = acked.reduce((a, b) => (b.ack_p50_s > a.ack_p50_s ? b : a));
    s += `; the slowest day, ${shortDay(worst.day)}: median ${durationText(worst.ack_p50_s)} to acknowledge`;
  }
  return s + `; ${escalations} escalations.`;
}
