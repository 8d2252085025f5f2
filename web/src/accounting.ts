// The accounting of disclosures and the conformance report (docs/compliance.md):
// the pure part of their console pages (src/ui/Accounting.tsx, src/ui/Conformance.tsx).
import type { Role } from "./api";

// Who sees what (internal/authz: disclosure.report, conformance.read).
export const canAccount = (r: Role | undefined) => r === "compliance";
export const canSeeConformance = (r: Role | undefined) => r === "compliance" || r === "owner" || r === "admin";

export interface AccountingEntry {
  time: string;
  seq?: number;
  user_id: string;
  who: string;
  role: string;
  action: string;
  what: string;
  kind: "access" | "disclosure";
  resource: string;
  why: string;
}

export interface Accounting {
  request_id: string;
  org_name: string;
  mrn?: string;
  patient_id: string;
  from: string;
  to: string;
  requested_at: string;
  deadline: string;
  produced_at: string;
  entries: AccountingEntry[];
}

export interface AccountingRequest {
  id: string;
  patient_id: string;
  from: string;
  to: string;
  requested_by: string;
  requested_at: string;
  deadline: string;
  answered_at: string | null;
  entries: number;
}

// AccountingDraft is the form as typed: dates are YYYY-MM-DD (UTC), empty
// for the default (the six years up to now).
export interface AccountingDraft {
  mrn: string;
  from: string;
  to: string;
}

export const emptyAccountingDraft: AccountingDraft = { mrn: "", from: "", to: "" };

export interface AccountingBody {
  mrn: string;
  from?: string;
  to?: string;
}

const day = /^\d{4}-\d{2}-\d{2}$/;

// accountingRequest checks the form and builds the request body; the to
// date is sent as a date, which the server reads as that day included.
export function accountingRequest(d: AccountingDraft): { body?: AccountingBody; error?: string } {
  const mrn = d.mrn.trim();
  if (!mrn) return { error: "Enter the patient's MRN." };
  if (mrn.length > 64) return { error: "An MRN is at most 64 characters." };
  const body: AccountingBody = { mrn };
  for (const k of ["from", "to"] as const) {
    const v = d[k].trim();
    if (!v) continue;
    if (!day.test(v) || isNaN(Date.parse(v + "T00:00:00Z"))) return { error: `The ${k} date must be YYYY-MM-DD.` };
    body[k] = v;
  }
  if (body.from && body.to && body.from > body.to) return { error: "The from date must be on or before the to date." };
  return { body };
}

// deadlineState says how a request stands against its 60-day deadline at now.
export function deadlineState(r: AccountingRequest, now: number): { label: string; cls: "ok" | "due" | "overdue" } {
  if (r.answered_at) return { label: "answered " + r.answered_at.slice(0, 10), cls: "ok" };
  const days = Math.ceil((Date.parse(r.deadline) - now) / 86400000);
  if (days < 0) return { label: `overdue by ${-days} day${days === -1 ? "" : "s"}`, cls: "overdue" };
  return { label: `${days} day${days === 1 ? "" : "s"} left`, cls: days <= 14 ? "due" : "ok" };
}

// Conformance report (GET /api/v1/compliance/report).
export type CheckStatus = "pass" | "warn" | "fail";

export interface ConformanceItem {
  id: string;
  title: string;
  status: CheckStatus;
  evidence: string;
  reason: string;
}

export interface ConformanceReport {
  org_name: string;
  made_at: string;
  version: string;
  pass: number;
  warn: number;
  fail: number;
  sections: { title: string; items: ConformanceItem[] }[];
}

export const statusLabel: Record<CheckStatus, string> = { pass: "Pass", warn: "Warn", fail: "Fail" };

// reportURL is the signed file of the report (a download; the cookie
// session and a GET need no CSRF header).
export const reportURL = (format: "pdf" | "html") => "/api/v1/compliance/report?format=" + format;
