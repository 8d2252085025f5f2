// On-call roles (docs/oncall.md): the shapes the API answers with, and the
// pure calendar logic: which people are on call on each local day of a
// role's time zone, with overrides and swaps marked.

export interface OnCall {
  role_id: string;
  role_name: string;
  user_id: string; // "" when no one is on call
  user_name: string;
  label: string; // "Cardiology on call (Dr Shah)"
  source: "rotation" | "swap" | "override" | "";
  from: string | null;
  until: string | null;
}

export interface OnCallRole {
  id: string;
  name: string;
  version: number;
  schedule: {
    rotation: { kind: string; days?: number; hand_over: string; time_zone: string; start: string; end?: string; people: string[] };
    overrides: { id: string; user_id: string; from: string; to: string }[];
    swaps: { id: string; a: string; b: string }[];
  };
}

// offsetMs is how far the wall clock in timeZone is ahead of UTC at instant t.
export function offsetMs(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(t));
  const n = (k: string) => Number(parts.find((p) => p.type === k)?.value);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) - Math.floor(t / 1000) * 1000;
}

// localMidnight is the instant a local date ("YYYY-MM-DD") starts in timeZone.
export function localMidnight(day: string, timeZone: string): number {
  const [y, m, d] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetMs(wall, timeZone);
  t = wall - offsetMs(t, timeZone); // once more: the offset may differ at the guess
  return t;
}

// addDays moves a local date by n days.
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export interface DayCell {
  day: string; // YYYY-MM-DD, local to the role's time zone
  entries: { user_name: string; source: OnCall["source"] }[]; // in order, without repeats
}

// calendar lays shifts (GET /api/v1/oncall/roles/{id}/shifts) out over days
// local dates from first: each day lists whoever is on call at any time of
// it, marking overrides and swaps; "" names a time with no one on call.
export function calendar(shifts: OnCall[], first: string, days: number, timeZone: string): DayCell[] {
  const out: DayCell[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(first, i);
    const start = localMidnight(day, timeZone);
    const end = localMidnight(addDays(day, 1), timeZone);
    const cell: DayCell = { day, entries: [] };
    for (const s of shifts) {
      const from = s.from ? Date.parse(s.from) : -Infinity;
      const until = s.until ? Date.parse(s.until) : Infinity;
      if (from >= end || until <= start) continue;
      const last = cell.entries[cell.entries.length - 1];
      if (!last || last.user_name !== s.user_name || last.source !== s.source) cell.entries.push({ user_name: s.user_name, source: s.source });
    }
    out.push(cell);
  }
  return out;
}

// ---- the screens' pure logic (src/ui/OnCall.tsx) ----

export const oncallEndpoints = {
  now: "/api/v1/oncall/now",
  roles: "/api/v1/oncall/roles",
  role: (id: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}`,
  schedule: (id: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/schedule`,
  overrides: (id: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/overrides`,
  override: (id: string, oid: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/overrides/${encodeURIComponent(oid)}`,
  swaps: (id: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/swaps`,
  swap: (id: string, sid: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/swaps/${encodeURIComponent(sid)}`,
  shifts: (id: string, from: string, to: string) =>
    `/api/v1/oncall/roles/${encodeURIComponent(id)}/shifts?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  page: (id: string) => `/api/v1/oncall/roles/${encodeURIComponent(id)}/page`,
  addressed: (conversationID: string) => `/api/v1/conversations/${encodeURIComponent(conversationID)}/on-call`,
  messagePage: (messageID: string) => `/api/v1/messages/${encodeURIComponent(messageID)}/page`,
};

// canSeeOnCall: the workforce sees roles and who is on call (oncall.list);
// patients and guests never do. canAddressOnCall: clinicians and staff
// message and page a role (oncall.address).
export const canSeeOnCall = (r: string | undefined) =>
  r === "owner" || r === "admin" || r === "compliance" || r === "clinician" || r === "staff";
export const canAddressOnCall = (r: string | undefined) => r === "clinician" || r === "staff";

// localISO is instant t as a local "YYYY-MM-DDTHH:MM" in timeZone (what a
// datetime-local field holds).
export function localISO(t: number, timeZone: string): string {
  return new Date(t + offsetMs(t, timeZone)).toISOString().slice(0, 16);
}

// localTime is instant t as a local "HH:MM" in timeZone.
export const localTime = (t: number, timeZone: string) => localISO(t, timeZone).slice(11);

// instantOf is the instant a local "YYYY-MM-DDTHH:MM" names in timeZone, as
// RFC 3339 UTC; "" when the text is not such a time. A time the spring
// change skips moves forward by the change, as the server's hand-over does.
export function instantOf(local: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return "";
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  if (isNaN(wall) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return "";
  // The offsets a day before and after: a time the autumn change repeats
  // is the first of the two; one the spring change skips takes the offset
  // from before the change.
  const before = offsetMs(wall - 86_400_000, timeZone);
  const after = offsetMs(wall + 86_400_000, timeZone);
  const fits = [before, after].map((o) => wall - o).filter((t) => offsetMs(t, timeZone) === wall - t);
  const t = fits.length ? Math.min(...fits) : wall - before;
  return new Date(t).toISOString().replace(".000Z", "Z");
}

// addMonths moves a month "YYYY-MM" by n months.
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

// monthDays is how many days a month "YYYY-MM" has.
export function monthDays(month: string): number {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

// monthGrid lays a month out in weeks from Monday: each week has seven
// local dates, null before the 1st and after the last day.
export function monthGrid(month: string): (string | null)[][] {
  const first = month + "-01";
  const [y, m] = month.split("-").map(Number);
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday = 0
  const cells: (string | null)[] = Array(lead).fill(null);
  for (let i = 0; i < monthDays(month); i++) cells.push(addDays(first, i));
  while (cells.length % 7) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

// monthRange is the span of a month in a role's time zone, for
// GET .../shifts: from its first local midnight to the next month's.
export function monthRange(month: string, timeZone: string): { from: string; to: string } {
  const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
  return { from: iso(localMidnight(month + "-01", timeZone)), to: iso(localMidnight(addMonths(month, 1) + "-01", timeZone)) };
}

export interface HandOver {
  at: string; // local HH:MM
  user_name: string; // "" when no one is on call from then
  source: OnCall["source"];
}

// handOvers lists the changes of hands during a local day: each shift that
// starts within it, at its local time. The first of shifts is who held the
// role when the span asked for began (its from is that start, not a
// hand-over), so it is never one.
export function handOvers(shifts: OnCall[], day: string, timeZone: string): HandOver[] {
  const start = localMidnight(day, timeZone);
  const end = localMidnight(addDays(day, 1), timeZone);
  const out: HandOver[] = [];
  for (const s of shifts.slice(1)) {
    if (!s.from) continue;
    const t = Date.parse(s.from);
    if (t >= start && t < end) out.push({ at: localTime(t, timeZone), user_name: s.user_name, source: s.source });
  }
  return out;
}

// moveItem moves list[i] by delta places (up: -1, down: +1); a move past
// either end changes nothing.
export function moveItem<T>(list: T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list;
  const out = list.slice();
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

// timeZones is the time zone select's list: the browser's IANA zones, with
// UTC and the current value in it whatever the browser lists.
export function timeZones(current: string, supported: string[]): string[] {
  const set = new Set(supported);
  set.add("UTC");
  if (current) set.add(current);
  return [...set].sort();
}

// RotationForm is the schedule editor's rotation, as the form holds it.
export interface RotationForm {
  kind: "daily" | "weekly" | "custom";
  days: number; // custom only
  hand_over: string;
  time_zone: string;
  start: string;
  end: string; // "" for none
  people: string[];
}

// rotationForm reads a role's rotation into the form (or a new one's
// defaults: weekly at 08:00 in the browser's zone, from today).
export function rotationForm(r: OnCallRole["schedule"]["rotation"] | undefined, zone: string, today: string): RotationForm {
  if (!r) return { kind: "weekly", days: 7, hand_over: "08:00", time_zone: zone, start: today, end: "", people: [] };
  const kind = r.kind === "daily" || r.kind === "custom" ? r.kind : "weekly";
  return { kind, days: r.days ?? (kind === "daily" ? 1 : 7), hand_over: r.hand_over, time_zone: r.time_zone, start: r.start,
    end: r.end ?? "", people: r.people.slice() };
}

// rotationBody is the rotation the API takes.
export function rotationBody(f: RotationForm): OnCallRole["schedule"]["rotation"] {
  return {
    kind: f.kind,
    ...(f.kind === "custom" ? { days: f.days } : {}),
    hand_over: f.hand_over,
    time_zone: f.time_zone,
    start: f.start,
    ...(f.end ? { end: f.end } : {}),
    people: f.people,
  };
}

// rotationProblem is what the form can tell before asking the server ("" when
// nothing): the server checks the rest and says where a gap or overlap is.
export function rotationProblem(f: RotationForm): string {
  if (f.people.length === 0) return "Add at least one person to the rotation.";
  if (f.kind === "custom" && (!Number.isInteger(f.days) || f.days < 1 || f.days > 365)) return "A custom rotation's shifts last 1 to 365 days.";
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(f.hand_over)) return "The hand-over time is a 24-hour time such as 08:00.";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.start)) return "Choose the date the rotation starts.";
  if (f.end && f.end <= f.start) return "The rotation's end must come after its start.";
  return "";
}

// untilText says until when someone is on call, in the viewer's time:
// "until Mon 30 Nov, 08:00", or "" when for ever.
export function untilText(until: string | null, timeZone?: string, locale?: string): string {
  if (!until) return "";
  const d = new Date(until);
  if (isNaN(d.getTime())) return "";
  return "until " + d.toLocaleString(locale, { timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

// ---- a thread addressed to a role (src/ui/Thread.tsx) ----

// Addressed is what GET /api/v1/conversations/{id}/on-call lists: whom a
// role reached when a conversation (message_id "") or a page in it was
// addressed to the role, with the label the thread shows.
export interface Addressed {
  role_id: string;
  role_name: string;
  user_id: string;
  user_name: string;
  label: string; // "Cardiology on call (Dr Shah)"
  step?: string; // "lead" when a page went straight to the role's lead
  message_id: string;
  at: string;
}

// threadOnCall is what a thread shows of its role: the label of the
// latest addressing ("" when none), and the latest page's message id
// ("" when the role was never paged here).
export function threadOnCall(list: Addressed[] | null | undefined): { label: string; pageID: string } {
  const all = list ?? [];
  const last = all[all.length - 1];
  const paged = all.filter((a) => a.message_id !== "");
  return { label: last?.label ?? "", pageID: paged[paged.length - 1]?.message_id ?? "" };
}

// PageStatus is the part of GET /api/v1/messages/{id}/page a thread shows.
export interface PageStatus {
  step: string; // primary, secondary, lead
  holder_name: string;
  since: string;
  done: boolean;
  acked_by: string;
  acked_by_name: string;
  acked_at: string | null;
}

// pageText says where a page is: "with Dr Rao (secondary) since 10:42",
// "acknowledged by Dr Rao at 10:50", or "closed" when the chain stopped
// without an acknowledgement (recalled). time formats an instant.
export function pageText(p: PageStatus, time: (iso: string) => string): string {
  if (p.acked_by) return `acknowledged by ${p.acked_by_name || "someone"}${p.acked_at ? " at " + time(p.acked_at) : ""}`;
  if (p.done) return "closed";
  return `with ${p.holder_name} (${p.step}) since ${time(p.since)}`;
}

// refetchOnCall: a thread asks again whom its role reached when an urgent
// message arrives (a new page) or when it already shows a role (a
// hand-over may have moved the page); other threads never ask again.
export function refetchOnCall(shown: boolean, last: { priority: string } | undefined): boolean {
  return shown || last?.priority === "urgent";
}
