// Activity-monitoring alerts (docs/compliance.md, "Activity monitoring"):
// the pure parts of the Alerts page and of the live alert.raised event.

export type Severity = "low" | "medium" | "high";
export type AlertStatus = "new" | "acknowledged" | "dismissed" | "escalated";

export interface AlertEvidence {
  seq_ranges: [number, number][];
  events: number;
  attempts?: number;
  user_ids?: string[];
  patient_ids?: string[];
  accounts?: string[];
  addresses?: string[];
  devices?: string[];
}

export interface Alert {
  id: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  subject: string;
  evidence: AlertEvidence;
  first_seq: number;
  last_seq: number;
  first_at: string;
  last_at: string;
  raised_at: string;
  updated_at: string;
  status_by?: string;
  dismiss_reason?: string;
  escalated_to: string | null;
}

// RaisedAlert is the data of a live alert.raised event (ids only).
export interface RaisedAlert {
  id: string;
  rule: string;
  severity: Severity;
  summary: string;
  subject: string;
  raised_at: string;
}

export type AlertCounts = Partial<Record<AlertStatus, number>>;

const rules: Record<string, string> = {
  bulk_access: "Bulk access",
  off_hours: "Off-hours access",
  outside_care_team: "Outside the care team",
  signin_burst: "Failed sign-ins",
  password_spray: "Password spray",
  mass_export: "Mass export",
  new_device: "New device or address",
  disabled_user_activity: "Disabled user active",
  break_glass: "Break-glass",
};

export const ruleLabel = (r: string): string => rules[r] ?? r;

export const severities: Severity[] = ["high", "medium", "low"];
export const statuses: AlertStatus[] = ["new", "acknowledged", "dismissed", "escalated"];

// severityClass is the badge's class: high red, medium amber, low grey.
export function severityClass(s: string): string {
  switch (s) {
    case "high":
      return "badge sev-high";
    case "medium":
      return "badge sev-medium";
  }
  return "badge sev-low";
}

export function statusLabel(a: Pick<Alert, "status" | "escalated_to">): string {
  switch (a.status) {
    case "new":
      return "New";
    case "acknowledged":
      return "Acknowledged";
    case "dismissed":
      return "Dismissed";
    case "escalated":
      return a.escalated_to ? `Escalated to ${a.escalated_to}` : "Escalated";
  }
  return a.status;
}

// canAct says which actions an alert in its status still takes.
export function canAct(s: AlertStatus): { acknowledge: boolean; close: boolean } {
  return { acknowledge: s === "new", close: s === "new" || s === "acknowledged" };
}

// seqText writes the evidence's seq ranges for an investigator: "12-40, 52".
export function seqText(ranges: [number, number][] | undefined): string {
  if (!ranges?.length) return "";
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(", ");
}

// alertsURL is the list's request for the filters ("" any).
export function alertsURL(status: string, severity: string): string {
  const q = new URLSearchParams();
  if (status) q.set("status", status);
  if (severity) q.set("severity", severity);
  const s = q.toString();
  return "/api/v1/compliance/alerts" + (s ? "?" + s : "");
}

export const maxDismissReason = 1000;

// dismissProblem refuses an empty or too long reason, as the server does.
export function dismissProblem(reason: string): string {
  const t = reason.trim();
  if (!t) return "Say why the alert is dismissed.";
  if ([...t].length > maxDismissReason) return `The reason is at most ${maxDismissReason} characters.`;
  return "";
}

// escalateProblem refuses an incident id the server would.
export function escalateProblem(incident: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(incident.trim())) return "Give the incident's id: letters, digits, - and _.";
  return "";
}

// raisedText is the toast a compliance officer sees for a new alert.
export function raisedText(a: RaisedAlert): string {
  return `New ${a.severity}-severity alert: ${ruleLabel(a.rule)}.`;
}

// addRaised keeps the newest live alerts first, without duplicates, at most 20.
export function addRaised(list: RaisedAlert[], a: RaisedAlert): RaisedAlert[] {
  return [a, ...list.filter((x) => x.id !== a.id)].slice(0, 20);
}

// toggleSelected adds id to the alerts selected for an incident, or takes
// it out; only alerts still open (new or acknowledged) stay selected.
export function toggleSelected(sel: string[], id: string): string[] {
  return sel.includes(id) ? sel.filter((x) => x !== id) : [...sel, id];
}

// keepOpen drops from the selection the alerts no longer listed as open.
export function keepOpen(sel: string[], alerts: Pick<Alert, "id" | "status">[]): string[] {
  const open = new Set(alerts.filter((a) => canAct(a.status).close).map((a) => a.id));
  return sel.filter((id) => open.has(id));
}

// fromAlertsURL is where an incident is opened from alerts (their users,
// window and patients; the alerts escalated to it).
export const fromAlertsURL = "/api/v1/incidents/from-alerts";
