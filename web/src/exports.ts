// Archive exports from the compliance console (docs/archive.md): the pure
// parts: the request from the form, what it refuses before sending, and
// how a job's progress reads.

export type ExportStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface ExportJob {
  id: string;
  status: ExportStatus;
  user_id: string;
  selection: { conversation_id?: string; patient_id?: string; patient_ids?: string[]; user_id?: string; from: string; to: string };
  encryption: "recipient" | "passphrase";
  percent: number;
  eta_seconds?: number;
  messages: number;
  attachment_bytes: number;
  attempts: number;
  archive_id?: string;
  size?: number;
  counts?: { conversations: number; messages: number; attachments: number; attachment_bytes: number; audit_events: number };
  error?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

export type SelectBy = "mrn" | "patient_id" | "conversation_id" | "user_id" | "all";

export interface ExportForm {
  by: SelectBy;
  value: string;
  from: string; // YYYY-MM-DD or ""
  to: string;
  keyKind: "recipient" | "passphrase";
  recipient: string;
  passphrase: string;
}

export const emptyExportForm: ExportForm = { by: "mrn", value: "", from: "", to: "", keyKind: "recipient", recipient: "", passphrase: "" };

export const minPassphrase = 12;

// exportProblem is what the form lacks, "" when it may be sent (the server
// checks again).
export function exportProblem(f: ExportForm): string {
  if (f.by !== "all" && !f.value.trim()) return "Say which patient, conversation or user to export.";
  if (f.from && f.to && f.from >= f.to) return "The start date must be before the end date.";
  if (f.keyKind === "recipient" && !/^age1[0-9a-z]{20,}$/.test(f.recipient.trim())) return "Paste the recipient's age public key (age1…).";
  if (f.keyKind === "passphrase" && [...f.passphrase].length < minPassphrase) return `The passphrase is at least ${minPassphrase} characters.`;
  return "";
}

// exportRequest is the body of POST /api/v1/compliance/exports.
export function exportRequest(f: ExportForm): Record<string, string> {
  const body: Record<string, string> = {};
  if (f.by !== "all") body[f.by] = f.value.trim();
  if (f.from) body.from = f.from;
  if (f.to) body.to = f.to;
  if (f.keyKind === "recipient") body.recipient = f.recipient.trim();
  else body.passphrase = f.passphrase;
  return body;
}

// running says whether a job may still change (the console polls then).
export const running = (j: ExportJob) => j.status === "queued" || j.status === "running";

// etaText reads a job's ETA: "about 2 min left", "under a minute left".
export function etaText(j: ExportJob): string {
  if (j.status === "queued") return "waiting to start";
  if (j.status !== "running") return "";
  const s = j.eta_seconds;
  if (s === undefined || s === null || !Number.isFinite(s)) return "estimating…";
  if (s < 60) return "under a minute left";
  if (s < 3600) return `about ${Math.round(s / 60)} min left`;
  const h = Math.floor(s / 3600);
  return `about ${h} h ${Math.round((s % 3600) / 60)} min left`;
}

// statusText says where a job is, for people.
export function statusText(j: ExportJob): string {
  switch (j.status) {
    case "queued":
      return "Queued";
    case "running":
      return `${j.percent.toFixed(1)}%` + (j.attempts > 1 ? " (restarted after the server restarted)" : "");
    case "done":
      return "Ready";
    case "failed":
      return "Failed" + (j.error ? `: ${j.error}` : "");
    case "cancelled":
      return "Cancelled";
  }
  return j.status;
}

// selectionText names what a job exports (ids only).
export function selectionText(j: ExportJob): string {
  const s = j.selection;
  const what = s.patient_id
    ? `patient ${s.patient_id}`
    : s.patient_ids?.length
      ? `patients ${s.patient_ids.join(", ")}`
      : s.conversation_id
        ? `conversation ${s.conversation_id}`
        : s.user_id
          ? `user ${s.user_id}`
          : "every conversation";
  return `${what}, ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)}`;
}

export const downloadURL = (j: ExportJob) => `/api/v1/compliance/exports/${encodeURIComponent(j.id)}/file`;

export function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}
