import { describe, expect, it } from "vitest";
import { addAlert, alertText, reasonProblem, reviewAttachmentURL, searchProblem, searchURL, timeLeft, verdictLabel, emptySearch, type BreakGlassAlert, type Grant } from "./compliance";

describe("reasonProblem", () => {
  it("needs a category and text, as the server's reason_required", () => {
    expect(reasonProblem("", "why", 0)).toMatch(/category/);
    expect(reasonProblem("complaint", "   ", 0)).toMatch(/reason/);
    expect(reasonProblem("complaint", "family complaint", 0)).toBe("");
  });
  it("bounds the text and the time box", () => {
    expect(reasonProblem("other", "x".repeat(1001), 0)).toMatch(/1000/);
    expect(reasonProblem("other", "x".repeat(1000), 0)).toBe("");
    expect(reasonProblem("other", "why", 61, 60)).toMatch(/at most 60/);
    expect(reasonProblem("other", "why", 60, 60)).toBe("");
    expect(reasonProblem("other", "why", -1)).toMatch(/whole/);
    expect(reasonProblem("other", "why", 1.5)).toMatch(/whole/);
  });
});

describe("timeLeft", () => {
  const t0 = Date.parse("2026-12-06T10:00:00Z");
  it("counts down minutes and seconds, hours when long", () => {
    expect(timeLeft("2026-12-06T10:12:05Z", t0)).toBe("12:05 left");
    expect(timeLeft("2026-12-06T11:02:05Z", t0)).toBe("1:02:05 left");
    expect(timeLeft("2026-12-06T10:00:00.500Z", t0)).toBe("0:01 left");
  });
  it("says ended at and after the end, and for garbage", () => {
    expect(timeLeft("2026-12-06T10:00:00Z", t0)).toBe("ended");
    expect(timeLeft("2026-12-06T09:00:00Z", t0)).toBe("ended");
    expect(timeLeft("nonsense", t0)).toBe("ended");
  });
});

describe("search", () => {
  it("refuses an empty search and a backwards range", () => {
    expect(searchProblem(emptySearch)).toMatch(/Search by/);
    expect(searchProblem({ ...emptySearch, from: "2026-12-02", to: "2026-12-01" })).toMatch(/after/);
    expect(searchProblem({ ...emptySearch, from: "2026-12-01", to: "2026-12-01" })).toBe("");
  });
  it("sends only what is set, trimmed", () => {
    expect(searchURL({ ...emptySearch, patient: " p-1 ", from: "2026-12-01" })).toBe("/api/v1/compliance/conversations?patient=p-1&from=2026-12-01");
  });
});

describe("the break-glass queue and alerts", () => {
  const g = (verdict: Grant["verdict"]): Grant => ({ id: "g", kind: "breakglass", user_id: "u", reason: { category: "emergency", text: "x" },
    opened_at: "", expires_at: "", verdict });
  it("labels verdicts", () => {
    expect(verdictLabel(g(""))).toBe("Waiting for review");
    expect(verdictLabel(g("justified"))).toBe("Justified");
    expect(verdictLabel(g("unjustified"))).toBe("Not justified");
  });
  const a = (id: string): BreakGlassAlert => ({ id, user_id: "u", user_name: "Dr Er", patient_id: "p", category: "emergency", opened_at: "", expires_at: "" });
  it("keeps the newest alerts first, once each, at most 20", () => {
    let list: BreakGlassAlert[] = [];
    for (let i = 0; i < 25; i++) list = addAlert(list, a(String(i)));
    list = addAlert(list, a("24"));
    expect(list.length).toBe(20);
    expect(list[0].id).toBe("24");
    expect(list.filter((x) => x.id === "24").length).toBe(1);
    expect(alertText(a("1"))).toBe("Break-glass: Dr Er opened a patient's conversations (Emergency).");
  });
});

describe("reviewAttachmentURL", () => {
  it("is the review's attachment route, ids escaped", () => {
    expect(reviewAttachmentURL("r-1", "a-2")).toBe("/api/v1/compliance/reviews/r-1/attachments/a-2");
    expect(reviewAttachmentURL("r/1", "a?2")).toBe("/api/v1/compliance/reviews/r%2F1/attachments/a%3F2");
  });
});
