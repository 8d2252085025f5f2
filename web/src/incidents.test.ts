import { describe, expect, it } from "vitest";
import {
  assessmentError,
  baaClass,
  baaRequest,
  canManageBAAs,
  canManageIncidents,
  countdown,
  emptyAssessment,
  emptyBAADraft,
  emptyIncidentDraft,
  incidentRequest,
  noticeText,
  urgency,
} from "./incidents";
import { parseRoute } from "./router";

describe("incidents", () => {
  it("lets only compliance run incidents; admins, owners and compliance the BAAs", () => {
    expect(canManageIncidents("compliance")).toBe(true);
    for (const r of ["owner", "admin", "clinician"] as const) expect(canManageIncidents(r)).toBe(false);
    for (const r of ["owner", "admin", "compliance"] as const) expect(canManageBAAs(r)).toBe(true);
    expect(canManageBAAs("clinician")).toBe(false);
  });
  it("needs a title and a discovery date", () => {
    expect(incidentRequest(emptyIncidentDraft).error).toMatch(/title/);
    expect(incidentRequest({ ...emptyIncidentDraft, title: "T" }).error).toMatch(/discovered/);
    const r = incidentRequest({ ...emptyIncidentDraft, title: " T ", discovered_at: "2026-11-24", alert_id: "a1" });
    expect(r.body).toEqual({ discovered_at: "2026-11-24", details: { title: "T", what_happened: "" }, alert_id: "a1" });
  });
  it("wants every factor rated before the outcome", () => {
    expect(assessmentError(emptyAssessment)).toBe("");
    expect(assessmentError({ ...emptyAssessment, outcome: "breach" })).toMatch(/nature/);
  });
  it("counts down to the deadline", () => {
    expect(countdown(60, "open")).toBe("60 days left");
    expect(countdown(1, "open")).toBe("1 day left");
    expect(countdown(-2, "open")).toBe("2 days overdue");
    expect(countdown(5, "closed")).toBe("closed");
    expect([urgency(40, "open"), urgency(30, "open"), urgency(7, "open")]).toEqual(["ok", "warn", "bad"]);
  });
  it("says who is notified", () => {
    const n = { required: true, affected: 600, by_state: { CA: 600 }, media_states: ["CA"], media: true, hhs_now: true, annual_log: false, individuals_due: "" };
    expect(noticeText(n)).toBe("Notify 600 individuals by letter; media in CA; HHS now (500 or more).");
    expect(noticeText({ ...n, affected: 3, media: false, media_states: [], hhs_now: false, annual_log: true })).toMatch(/annual log/);
  });
  it("routes the pages", () => {
    expect(parseRoute("/compliance/incidents")).toEqual({ name: "incidents" });
    expect(parseRoute("/compliance/incidents/abc-1")).toEqual({ name: "incident", id: "abc-1" });
    expect(parseRoute("/compliance/baas")).toEqual({ name: "baas" });
  });
  it("checks BAA dates and colours the status", () => {
    expect(baaRequest({ ...emptyBAADraft, vendor: "V", status: "signed" }).error).toMatch(/signed/);
    expect(baaRequest({ ...emptyBAADraft, vendor: "V", signed_at: "2026-06-01", expires_at: "2026-01-01" }).error).toMatch(/expire/);
    expect(baaRequest({ ...emptyBAADraft, vendor: "V" }).body?.status).toBe("requested");
    expect(baaClass({ id: "1", vendor: "V", service: "", phi: "", status: "signed", days_left: 30 })).toBe("warn");
    expect(baaClass({ id: "1", vendor: "V", service: "", phi: "", status: "signed", days_left: 300 })).toBe("ok");
    expect(baaClass({ id: "1", vendor: "V", service: "", phi: "", status: "requested" })).toBe("bad");
  });
});
