// Merging a duplicate patient record into the one that survives (POST
// /api/v1/patients/{duplicate}/merge {into}): what the merge screen checks
// before asking the server (which checks it all again), the two records
// side by side, and the words for the server's refusals.

import { formatBirthDate, patientFields, type Patient } from "./patients";

// mergeProblem says why the record dup cannot be merged into surv, or "".
export function mergeProblem(surv: Patient, dup: Patient): string {
  if (dup.id === surv.id) return "This is the record you are on: pick its duplicate.";
  if (dup.erased || surv.erased) return "An erased record cannot be merged.";
  if (dup.status !== "active" || surv.status !== "active") return "Only active records can be merged.";
  if (dup.merged_into) return "That record is merged already; unmerge it first.";
  if (surv.merged_into) return "This record is itself merged into another: merge into that one instead.";
  if (dup.has_account && surv.has_account)
    return "Both records have a patient account. A person has one account: deactivate the wrong one's record first.";
  return "";
}

// mergeRefusal is the words for the server's refusal of a merge or unmerge.
export function mergeRefusal(code: string, message: string): string {
  switch (code) {
    case "merge_two_accounts":
      return "Both records have a patient account. A person has one account: deactivate the wrong one's record first.";
    case "not_found":
      return "That record is not one of your clinic's.";
    case "conflict":
      return message || "The records changed meanwhile; look them up again.";
  }
  return message;
}

// SideBySide is one line of the comparison: a field's label, its value in
// each record, and whether they differ.
export interface SideBySide {
  label: string;
  survivor: string;
  duplicate: string;
  differs: boolean;
}

// sideBySide lines the two records' fields up, then what the merge moves:
// the care teams and the patient account.
export function sideBySide(surv: Patient, dup: Patient): SideBySide[] {
  const show = (p: Patient, name: (typeof patientFields)[number]["name"]) => {
    if (p.erased) return "—";
    const v = p[name] ?? "";
    return (name === "birth_date" && v ? formatBirthDate(v) : v) || "—";
  };
  const rows = patientFields.map((d) => {
    const survivor = show(surv, d.name);
    const duplicate = show(dup, d.name);
    return { label: d.label, survivor, duplicate, differs: survivor !== duplicate };
  });
  const teams = (p: Patient) => String(p.team_ids?.length ?? 0);
  const account = (p: Patient) => (p.has_account ? "yes" : "no");
  rows.push({ label: "Care teams", survivor: teams(surv), duplicate: teams(dup), differs: teams(surv) !== teams(dup) });
  rows.push({ label: "Patient account", survivor: account(surv), duplicate: account(dup), differs: account(surv) !== account(dup) });
  return rows;
}

// mergeSummary says what confirming the merge of dup does.
export function mergeSummary(dup: Patient): string {
  const parts = ["Conversations about the duplicate will list under this record too"];
  const n = dup.team_ids?.length ?? 0;
  if (n > 0) parts.push(`its ${n === 1 ? "care team moves" : `${n} care teams move`} here`);
  if (dup.has_account) parts.push("its patient account moves here");
  parts.push("its pending invitations are revoked");
  return parts.join("; ") + ". Unmerging undoes it (revoked invitations stay revoked).";
}
