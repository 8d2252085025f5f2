// Breach incidents and the BAA registry (docs/compliance.md): the pure part
// of the Incidents and BAAs pages (src/ui/Incidents.tsx, src/ui/BAAs.tsx).
import type { Role } from "./api";

export interface Factor {
  rating: "" | "low" | "moderate" | "high";
  notes: string;
}

export interface Assessment {
  nature: Factor;
  identifiers?: string[];
  reidentification?: string;
  recipient: Factor;
  acquired: Factor;
  viewed?: string;
  mitigation: Factor;
  outcome: "" | "low_probability" | "breach";
}

export interface IncidentDetails {
  title: string;
  what_happened?: string;
  breach_start?: string;
  breach_end?: string;
  breach_type?: string;
  locations?: string[];
  phi_types?: string[];
  safeguards?: string;
  actions_taken?: string;
  steps?: string;
  contact?: string;
  assessment: Assessment;
}

export interface AffectedPatient {
  patient_id: string;
  source: "audit" | "alert" | "manual";
  removed: boolean;
  state: string;
  changes: { at: string; by: string; op: string; reason: string }[];
}

export interface Notice {
  required: boolean;
  affected: number;
  by_state: Record<string, number>;
  media_states: string[];
  media: boolean;
  hhs_now: boolean;
  annual_log: boolean;
  individuals_due: string;
  hhs_due?: string;
}

export interface Incident {
  id: string;
  status: "open" | "closed";
  outcome: "" | "low_probability" | "breach";
  discovered_at: string;
  deadline: string;
  days_left: number;
  window_from?: string;
  window_to?: string;
  user_ids: string[];
  device_ids: string[];
  alert_ids: string[];
  details?: IncidentDetails;
  patients?: AffectedPatient[];
  notice?: Notice;
  reminders_sent?: number[];
  created_at: string;
  closed_at?: string;
}

export interface BAA {
  id: string;
  vendor: string;
  service: string;
  phi: string;
  status: "none" | "requested" | "signed" | "expired" | "terminated";
  signed_at?: string;
  expires_at?: string;
  days_left?: number;
  document?: { name: string; content_type: string; size: number };
}

export interface BAACard {
  expiring: BAA[];
  missing: BAA[];
  total: number;
}

// Who sees what (internal/authz: incident.manage, baa.manage).
export const canManageIncidents = (r: Role | undefined) => r === "compliance";
export const canManageBAAs = (r: Role | undefined) => r === "compliance" || r === "admin" || r === "owner";

// The four factors of 45 CFR 164.402(2), in order, with the question each asks.
export const factors: { key: "nature" | "recipient" | "acquired" | "mitigation"; label: string; help: string }[] = [
  { key: "nature", label: "Nature and extent of the PHI", help: "Which identifiers, how sensitive, how likely re-identification is." },
  { key: "recipient", label: "The unauthorized person", help: "Who used the PHI or to whom it was disclosed." },
  { key: "acquired", label: "Acquired or viewed", help: "Whether the PHI was actually acquired or viewed." },
  { key: "mitigation", label: "Mitigation", help: "The extent to which the risk to the PHI has been mitigated." },
];

export const emptyAssessment: Assessment = {
  nature: { rating: "", notes: "" },
  recipient: { rating: "", notes: "" },
  acquired: { rating: "", notes: "" },
  mitigation: { rating: "", notes: "" },
  outcome: "",
};

// assessmentError says why the assessment cannot be saved as is: an
// outcome needs all four factors rated (the server's assessment_incomplete).
export function assessmentError(a: Assessment): string {
  if (!a.outcome) return "";
  const missing = factors.filter((f) => !a[f.key].rating).map((f) => f.label.toLowerCase());
  return missing.length ? `Rate every factor before the outcome: ${missing.join(", ")}.` : "";
}

// countdown is the deadline as people say it.
export function countdown(daysLeft: number, status: string): string {
  if (status === "closed") return "closed";
  if (daysLeft < 0) return `${-daysLeft} day${daysLeft === -1 ? "" : "s"} overdue`;
  if (daysLeft === 0) return "due now";
  return `${daysLeft} day${daysLeft === 1 ? "" : "s"} left`;
}

// urgency is the countdown's colour class: red within 7 days, amber within 30.
export function urgency(daysLeft: number, status: string): "ok" | "warn" | "bad" | "done" {
  if (status === "closed") return "done";
  if (daysLeft <= 7) return "bad";
  if (daysLeft <= 30) return "warn";
  return "ok";
}

// noticeText says who must be notified (the 500 rule).
export function noticeText(n: Notice | undefined): string {
  if (!n || !n.required) return "No notification: the outcome is not a breach (yet).";
  const parts = [`${n.affected} individual${n.affected === 1 ? "" : "s"} by letter`];
  if (n.media) parts.push(`media in ${n.media_states.join(", ")}`);
  parts.push(n.hhs_now ? "HHS now (500 or more)" : "HHS in the annual log (under 500)");
  return "Notify " + parts.join("; ") + ".";
}

const dateRe = /^\d{4}-\d{2}-\d{2}$/;

export interface IncidentDraft {
  title: string;
  discovered_at: string; // YYYY-MM-DD
  what_happened: string;
  alert_id: string;
}

export const emptyIncidentDraft: IncidentDraft = { title: "", discovered_at: "", what_happened: "", alert_id: "" };

// incidentRequest checks the open-an-incident form as the server will and
// makes the body of POST /api/v1/incidents.
export function incidentRequest(d: IncidentDraft): { body?: Record<string, unknown>; error?: string } {
  const title = d.title.trim();
  if (!title) return { error: "Give the incident a title (no patient names)." };
  if ([...title].length > 200) return { error: "The title is at most 200 characters." };
  if (!d.discovered_at) return { error: "When was the breach discovered? The 60-day clock starts then." };
  if (!dateRe.test(d.discovered_at)) return { error: "The discovery date is YYYY-MM-DD." };
  const body: Record<string, unknown> = { discovered_at: d.discovered_at, details: { title, what_happened: d.what_happened } };
  if (d.alert_id.trim()) body.alert_id = d.alert_id.trim();
  return { body };
}

// baaClass is the status colour of an agreement.
export function baaClass(b: BAA): "ok" | "warn" | "bad" {
  if (b.status !== "signed") return "bad";
  return b.days_left !== undefined && b.days_left <= 60 ? "warn" : "ok";
}

export interface BAADraft {
  vendor: string;
  service: string;
  phi: string;
  status: BAA["status"];
  signed_at: string;
  expires_at: string;
}

export const emptyBAADraft: BAADraft = { vendor: "", service: "", phi: "", status: "requested", signed_at: "", expires_at: "" };

// baaRequest checks a BAA form as the server will (baa_dates_invalid).
export function baaRequest(d: BAADraft): { body?: Record<string, string>; error?: string } {
  const vendor = d.vendor.trim();
  if (!vendor) return { error: "Name the vendor." };
  for (const v of [d.signed_at, d.expires_at]) if (v && !dateRe.test(v)) return { error: "Dates are YYYY-MM-DD." };
  if (d.status === "signed" && !d.signed_at) return { error: "A signed agreement needs the date it was signed." };
  if (d.signed_at && d.expires_at && d.expires_at <= d.signed_at) return { error: "The agreement cannot expire before it was signed." };
  const body: Record<string, string> = { vendor, service: d.service.trim(), phi: d.phi.trim(), status: d.status };
  if (d.signed_at) body.signed_at = d.signed_at;
  if (d.expires_at) body.expires_at = d.expires_at;
  return { body };
}
