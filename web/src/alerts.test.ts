import { describe, expect, it } from "vitest";
import { addRaised, alertsURL, canAct, dismissProblem, escalateProblem, keepOpen, raisedText, ruleLabel, seqText, severityClass, statusLabel, toggleSelected, type RaisedAlert } from "./alerts";

describe("alerts", () => {
  it("selects open alerts for an incident", () => {
    expect(toggleSelected([], "a")).toEqual(["a"]);
    expect(toggleSelected(["a", "b"], "a")).toEqual(["b"]);
    expect(keepOpen(["a", "b", "c"], [{ id: "a", status: "new" }, { id: "b", status: "escalated" }, { id: "c", status: "acknowledged" }])).toEqual(["a", "c"]);
  });
  it("labels rules and colours severities", () => {
    expect(ruleLabel("password_spray")).toBe("Password spray");
    expect(ruleLabel("something_new")).toBe("something_new");
    expect(severityClass("high")).toBe("badge sev-high");
    expect(severityClass("medium")).toBe("badge sev-medium");
    expect(severityClass("low")).toBe("badge sev-low");
  });
  it("names statuses, with the incident of an escalated alert", () => {
    expect(statusLabel({ status: "escalated", escalated_to: "inc-7" })).toBe("Escalated to inc-7");
    expect(statusLabel({ status: "new", escalated_to: null })).toBe("New");
  });
  it("offers only the actions a status takes", () => {
    expect(canAct("new")).toEqual({ acknowledge: true, close: true });
    expect(canAct("acknowledged")).toEqual({ acknowledge: false, close: true });
    expect(canAct("dismissed")).toEqual({ acknowledge: false, close: false });
    expect(canAct("escalated")).toEqual({ acknowledge: false, close: false });
  });
  it("writes seq ranges and the list's URL", () => {
    expect(seqText([[12, 40], [52, 52]])).toBe("12-40, 52");
    expect(seqText(undefined)).toBe("");
    expect(alertsURL("", "")).toBe("/api/v1/compliance/alerts");
    expect(alertsURL("new", "high")).toBe("/api/v1/compliance/alerts?status=new&severity=high");
  });
  it("checks a dismissal's reason and an incident id as the server does", () => {
    expect(dismissProblem("  ")).toMatch(/why/);
    expect(dismissProblem("x".repeat(1001))).toMatch(/1000/);
    expect(dismissProblem("planned chart audit")).toBe("");
    expect(escalateProblem("")).toMatch(/incident/);
    expect(escalateProblem("../x")).toMatch(/incident/);
    expect(escalateProblem("inc-2026_01")).toBe("");
  });
  it("keeps live alerts newest first without duplicates", () => {
    const a: RaisedAlert = { id: "a", rule: "bulk_access", severity: "high", summary: "s", subject: "u", raised_at: "" };
    const b = { ...a, id: "b" };
    expect(addRaised(addRaised([], a), b).map((x) => x.id)).toEqual(["b", "a"]);
    expect(addRaised([b, a], a).map((x) => x.id)).toEqual(["a", "b"]);
    expect(raisedText(a)).toBe("New high-severity alert: Bulk access.");
  });
});
