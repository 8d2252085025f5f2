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
