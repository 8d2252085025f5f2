import { describe, expect, it } from "vitest";
import { accountingRequest, canAccount, canSeeConformance, deadlineState, emptyAccountingDraft, reportURL, type AccountingRequest } from "./accounting";

describe("accountingRequest", () => {
  it("needs an MRN", () => {
    expect(accountingRequest(emptyAccountingDraft).error).toMatch(/MRN/);
    expect(accountingRequest({ ...emptyAccountingDraft, mrn: "   " }).error).toMatch(/MRN/);
  });
  it("sends the MRN trimmed and only the dates that are set", () => {
    expect(accountingRequest({ mrn: " R-1 ", from: "", to: "" })).toEqual({ body: { mrn: "R-1" } });
    expect(accountingRequest({ mrn: "R-1", from: "2020-01-01", to: "2026-11-30" })).toEqual({
      body: { mrn: "R-1", from: "2020-01-01", to: "2026-11-30" },
    });
  });
  it("refuses bad dates and a period that ends before it starts", () => {
    expect(accountingRequest({ mrn: "R-1", from: "yesterday", to: "" }).error).toMatch(/YYYY-MM-DD/);
    expect(accountingRequest({ mrn: "R-1", from: "2026-02-01", to: "2026-01-01" }).error).toMatch(/on or before/);
  });
});

describe("deadlineState", () => {
  const req = (deadline: string, answered: string | null = null): AccountingRequest => ({
    id: "r",
    patient_id: "p",
    from: "",
    to: "",
    requested_by: "",
    requested_at: "",
    deadline,
    answered_at: answered,
    entries: 0,
  });
  const now = Date.parse("2026-12-01T12:00:00Z");
  it("counts the days left and warns in the last two weeks", () => {
    expect(deadlineState(req("2027-01-20T12:00:00Z"), now)).toEqual({ label: "50 days left", cls: "ok" });
    expect(deadlineState(req("2026-12-10T12:00:00Z"), now)).toEqual({ label: "9 days left", cls: "due" });
  });
  it("says when a request is overdue or answered", () => {
    expect(deadlineState(req("2026-11-29T12:00:00Z"), now)).toEqual({ label: "overdue by 2 days", cls: "overdue" });
    expect(deadlineState(req("2026-11-29T12:00:00Z", "2026-11-28T09:00:00Z"), now).cls).toBe("ok");
  });
});

describe("who sees what", () => {
  it("keeps the accounting to compliance and the report to owners, admins and compliance", () => {
    expect(canAccount("compliance")).toBe(true);
    for (const r of ["owner", "admin", "clinician"] as const) expect(canAccount(r)).toBe(false);
    for (const r of ["owner", "admin", "compliance"] as const) expect(canSeeConformance(r)).toBe(true);
    for (const r of ["clinician", "staff", "patient"] as const) expect(canSeeConformance(r)).toBe(false);
    expect(reportURL("pdf")).toBe("/api/v1/compliance/report?format=pdf");
  });
});
