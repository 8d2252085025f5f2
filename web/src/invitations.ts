// Staff-side patient invitations: the shape the API answers with, what a
// refusal means in words, and the QR code of a link, drawn client-side
// (qrcode-generator; an SVG path, so the strict CSP needs nothing more).
import qrcode from "qrcode-generator";
import { ApiError } from "./api";

export interface Invitation {
  id: string;
  patient_id: string;
  channel: "email" | "link";
  status: "pending" | "accepted" | "expired" | "revoked";
  created_by: string;
  created_at: string;
  expires_at: string;
  accepted_at?: string;
  revoked_at?: string;
  link?: string; // only on creating or resending a link invitation
}

export const statusLabels: Record<Invitation["status"], string> = {
  pending: "Pending",
  accepted: "Accepted",
  expired: "Expired",
  revoked: "Revoked",
};

// canChange reports whether an invitation can still be resent or revoked
// (the server refuses accepted and revoked ones).
export function canChange(inv: Invitation): boolean {
  return inv.status === "pending" || inv.status === "expired";
}

// inviteProblem says in words why the server refused an invitation.
export function inviteProblem(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 503 || e.code === "unavailable")
      return "This ward server sends no email (it runs without --smtp). Invite by link instead, or ask the administrator to set up email.";
    if (e.code === "account_exists") return "This patient, or their email address, already has an account.";
    if (e.code === "invitation_used") return "This invitation was already accepted or revoked.";
    if (e.code === "conflict") return "The record is deactivated: it takes no invitations.";
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// qrPath draws text as a QR code: the side in modules (with a 4-module
// quiet zone) and an SVG path of the dark modules, one unit each.
export function qrPath(text: string): { size: number; d: string } {
  const q = qrcode(0, "M");
  q.addData(text, "Byte");
  q.make();
  const n = q.getModuleCount();
  const quiet = 4;
  const parts: string[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!q.isDark(r, c)) continue;
      let run = 1;
      while (c + run < n && q.isDark(r, c + run)) run++;
      parts.push(`M${c + quiet} ${r + quiet}h${run}v1h-${run}z`);
      c += run - 1;
    }
  }
  return { size: n + 2 * quiet, d: parts.join("") };
}
