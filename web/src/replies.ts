// Saved replies and team hours (api/openapi.yaml: /api/v1/replies, /api/v1/teams/{id}/hours).
// The server validates and renders; this file only shapes the editor's text.

export type SavedReply = {
  id: string;
  team_id?: string;
  user_id?: string;
  title: string;
  body: string;
  created_by: string;
  created_at: string;
  updated_at: string;
};

export type Window = { day: number; open: string; close: string };

export type TeamHours = {
  time_zone: string;
  open: Window[];
  holidays: string[];
  auto_reply: string;
  set?: boolean;
};

export const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// dayText writes a day's windows as "08:00-12:00, 13:00-17:00" ("" closed).
export function dayText(open: Window[], day: number): string {
  return open
    .filter((w) => w.day === day)
    .map((w) => `${w.open}-${w.close}`)
    .join(", ");
}

const span = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/;

function hhmm(h: string, m: string): string {
  return `${h.padStart(2, "0")}:${m}`;
}

// parseDay reads what dayText writes (an empty text is closed); it returns
// the windows, or a problem naming the weekday.
export function parseDay(text: string, day: number): Window[] | string {
  const out: Window[] = [];
  for (const part of text.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const m = span.exec(p);
    if (!m) return `${weekdays[day]}: write hours as 08:00-17:00 (several separated by commas), or leave it empty when closed.`;
    out.push({ day, open: hhmm(m[1], m[2]), close: hhmm(m[3], m[4]) });
  }
  return out;
}

// parseHolidays reads dates separated by commas, spaces or new lines.
export function parseHolidays(text: string): string[] | string {
  const out = text.split(/[\s,]+/).filter(Boolean);
  const bad = out.find((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d));
  return bad ? `“${bad}” is not a date as YYYY-MM-DD.` : out;
}
