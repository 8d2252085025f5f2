// Legal holds and the retention overview (docs/retention.md): the pure
// part of the Legal holds and Retention pages (src/ui/Holds.tsx).
import type { Role } from "./api";

export interface LegalHold {
  id: string;
  matter: string;
  user_id?: string;
  patient_id?: string;
  conversation_id?: string;
  from?: string; // RFC 3339
  to?: string;
  placed_by: string;
  created_at: string;
  updated_at: string;
  released_at?: string;
  released_by?: string;
}

export interface RetentionPolicy {
  name: "message_lifespan" | "attachment_retention" | "patient_retention" | "audit_retention";
  setting: number; // seconds; 0 keeps forever
  due_now: number;
  held: number;
  next_due?: string;
  conversations_with_own_lifespan?: number;
}

export interface RetentionOverview {
  policies: RetentionPolicy[];
  active_holds: number;
  held_copies: number;
}

// Who sees what (internal/authz: hold.manage, hold.read, retention.read).
export const canManageHolds = (r: Role | undefined) => r === "compliance";
export const canReadHolds = (r: Role | undefined) => r === "compliance" || r === "owner";
export const canSeeRetention = (r: Role | undefined) => r === "compliance" || r === "owner" || r === "admin";

// HoldDraft is the place-a-hold form as typed: dates are YYYY-MM-DD (UTC
// days; "to" is included, so the hold runs to the end of that day).
export interface HoldDraft {
  matter: string;
  user_id: string;
  patient_id: string;
  conversation_id: string;
  from: string;
  to: string;
}

export const emptyHoldDraft: HoldDraft = { matter: "", user_id: "", patient_id: "", conversation_id: "", from: "", to: "" };

export const maxMatter = 200;

const dateRe = /^\d{4}-\d{2}-\d{2}$/;

function day(s: string): Date | null {
  if (!dateRe.test(s)) return null;
  const d = new Date(s + "T00:00:00Z");
  return isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s ? null : d;
}

// holdRequest checks a draft as the server will (a matter, a scope) and
// turns it into the body of POST /api/v1/holds; error says what is wrong.
export function holdRequest(d: HoldDraft): { body?: Record<string, string>; error?: string } {
  const matter = d.matter.trim();
  if (!matter) return { error: "Name the matter (a case name or reference, not a patient's name)." };
  if ([...matter].length > maxMatter) return { error: `The matter name is at most ${maxMatter} characters.` };
  if (/\p{Cc}/u.test(matter)) return { error: "The matter name cannot contain control characters." };
  const body: Record<string, string> = { matter };
  for (const k of ["user_id", "patient_id", "conversation_id"] as const) {
    const v = d[k].trim();
    if (v) body[k] = v;
  }
  const from = d.from ? day(d.from) : null;
  const to = d.to ? day(d.to) : null;
  if ((d.from && !from) || (d.to && !to)) return { error: "Dates are YYYY-MM-DD." };
  if (from) body.from = from.toISOString();
  if (to) body.to = new Date(to.getTime() + 86400000).toISOString(); // the end of the day "to"
  if (from && to && from.getTime() > to.getTime()) return { error: "The range starts after it ends." };
  if (Object.keys(body).length === 1) return { error: "Choose what to hold: a user, a patient, a conversation or a date range." };
  return { body };
}

// describeScope names a hold's scope for the list; name turns a user id
// into a name.
export function describeScope(h: LegalHold, name: (id: string) => string = (id) => id): string {
  const parts: string[] = [];
  if (h.user_id) parts.push(`user ${name(h.user_id)}`);
  if (h.patient_id) parts.push(`patient ${h.patient_id}`);
  if (h.conversation_id) parts.push(`conversation ${h.conversation_id}`);
  if (h.from || h.to) {
    const end = h.to ? new Date(new Date(h.to).getTime() - 1).toISOString().slice(0, 10) : "now";
    parts.push(`${h.from ? h.from.slice(0, 10) : "the beginning"} to ${end}`);
  }
  return parts.join(", ");
}

export const isActive = (h: LegalHold) => !h.released_at;

// sortHolds: active holds first, newest first.
export function sortHolds(hs: LegalHold[]): LegalHold[] {
  return hs.slice().sort((a, b) => Number(isActive(b)) - Number(isActive(a)) || b.created_at.localeCompare(a.created_at));
}

const policyLabels: Record<RetentionPolicy["name"], string> = {
  message_lifespan: "Messages (org lifespan and conversations' own)",
  attachment_retention: "Attachments",
  patient_retention: "Deactivated patient records",
  audit_retention: "Audit trail (ward audit purge)",
};

export const policyLabel = (n: RetentionPolicy["name"]) => policyLabels[n] ?? n;

// retentionSetting says a policy's setting in words.
export function retentionSetting(p: RetentionPolicy): string {
  if (p.setting <= 0) {
    if (p.name === "message_lifespan" && p.conversations_with_own_lifespan) return "kept, except conversations with their own lifespan";
    return "kept forever";
  }
  const days = p.setting / 86400;
  if (days >= 365 && Number.isInteger(Math.round(days / 365 * 100) / 100)) return plural(Math.round(days / 365), "year");
  if (days >= 1 && Number.isInteger(days)) return plural(days, "day");
  const hours = Math.round(p.setting / 3600);
  return plural(Math.max(hours, 1), "hour");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
