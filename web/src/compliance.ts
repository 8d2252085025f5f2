// Compliance review and break-glass (docs/compliance.md): the pure parts of
// the compliance console, the review transcript and the break-glass dialog.

export type GrantKind = "review" | "breakglass";

export interface Grant {
  id: string;
  kind: GrantKind;
  user_id: string;
  conversation_id?: string;
  patient_id?: string;
  reason: { category: string; text: string };
  opened_at: string;
  expires_at: string;
  verdict?: "" | "justified" | "unjustified";
  note?: string;
  verdict_by?: string;
  verdict_at?: string;
}

export interface FoundConversation {
  id: string;
  kind: string;
  title?: string;
  patient_id?: string;
  member_ids: string[];
  created_at: string;
  last_message_at?: string;
  last_seq: number;
}

export interface ComplianceCounts {
  reviews: number;
  break_glass_uses: number;
  break_glass_unreviewed: number;
}

// BreakGlassAlert is the data of a live breakglass.opened event.
export interface BreakGlassAlert {
  id: string;
  user_id: string;
  user_name: string;
  patient_id: string;
  category: string;
  opened_at: string;
  expires_at: string;
}

export const reviewCategories: { value: string; label: string }[] = [
  { value: "complaint", label: "Complaint" },
  { value: "legal_request", label: "Legal request" },
  { value: "incident", label: "Incident" },
  { value: "quality_review", label: "Quality review" },
  { value: "other", label: "Other" },
];

export const breakGlassCategories: { value: string; label: string }[] = [
  { value: "emergency", label: "Emergency" },
  { value: "other", label: "Other" },
];

export const maxReasonLength = 1000;

export function categoryLabel(c: string): string {
  return [...reviewCategories, ...breakGlassCategories].find((x) => x.value === c)?.label ?? c;
}

// reasonProblem says what is wrong with a reason before it is sent, as
// the server would (reason_required, time_box_too_long); "" when fine.
// maxMinutes is the policy's time box (0: unknown, not checked here).
export function reasonProblem(category: string, text: string, minutes: number, maxMinutes = 0): string {
  if (!category) return "Choose a category.";
  const t = text.trim();
  if (!t) return "State a reason: a few words of explanation are required.";
  if ([...t].length > maxReasonLength) return `The reason is at most ${maxReasonLength} characters.`;
  if (!Number.isInteger(minutes) || minutes < 0) return "The time box is a whole number of minutes.";
  if (maxMinutes > 0 && minutes > maxMinutes) return `The policy allows at most ${maxMinutes} minutes.`;
  return "";
}

// timeLeft is what the review banner shows: "12:05 left", "1:02:05 left",
// or "ended" once the time box is over.
export function timeLeft(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt) - now;
  if (!(ms > 0)) return "ended";
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec} left` : `${m}:${sec} left`;
}

export interface SearchFilters {
  id: string;
  patient: string;
  member: string;
  from: string; // YYYY-MM-DD
  to: string;
}

export const emptySearch: SearchFilters = { id: "", patient: "", member: "", from: "", to: "" };

// searchProblem refuses a search with no filter, or a range backwards.
export function searchProblem(f: SearchFilters): string {
  if (!f.id.trim() && !f.patient.trim() && !f.member && !f.from && !f.to) {
    return "Search by conversation id, patient, member or dates.";
  }
  if (f.from && f.to && f.from > f.to) return "The start date is after the end date.";
  return "";
}

// searchURL is the compliance search's request for f.
export function searchURL(f: SearchFilters): string {
  const q = new URLSearchParams();
  if (f.id.trim()) q.set("id", f.id.trim());
  if (f.patient.trim()) q.set("patient", f.patient.trim());
  if (f.member) q.set("member", f.member);
  if (f.from) q.set("from", f.from);
  if (f.to) q.set("to", f.to);
  return "/api/v1/compliance/conversations?" + q.toString();
}

// verdictLabel names a break-glass use's state in the queue.
export function verdictLabel(g: Grant): string {
  switch (g.verdict) {
    case "justified":
      return "Justified";
    case "unjustified":
      return "Not justified";
  }
  return "Waiting for review";
}

// alertText is the toast a compliance officer sees when the glass breaks.
export function alertText(a: BreakGlassAlert): string {
  return `Break-glass: ${a.user_name || "a clinician"} opened a patient's conversations (${categoryLabel(a.category)}).`;
}

// addAlert keeps the newest alerts first, without duplicates, at most 20.
export function addAlert(list: BreakGlassAlert[], a: BreakGlassAlert): BreakGlassAlert[] {
  return [a, ...list.filter((x) => x.id !== a.id)].slice(0, 20);
}

// HeldFile is a kept attachment of a held copy: a file whose message was
// recalled under a legal hold, readable only through a review.
export interface HeldFile {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

// reviewAttachmentURL is where a live review downloads an attachment of
// the reviewed conversation, or a kept attachment of a held copy.
export function reviewAttachmentURL(reviewId: string, attachmentId: string): string {
  return `/api/v1/compliance/reviews/${encodeURIComponent(reviewId)}/attachments/${encodeURIComponent(attachmentId)}`;
}
