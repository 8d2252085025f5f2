import { describe, expect, it } from "vitest";
import {
  addMonths, canAddressOnCall, canSeeOnCall, handOvers, instantOf, localISO, monthDays, monthGrid, monthRange, moveItem,
  rotationBody, rotationForm, rotationProblem, timeZones, untilText, type OnCall,
} from "./oncall";

const shift = (user_name: string, from: string | null, until: string | null, source: OnCall["source"] = "rotation"): OnCall => ({
  role_id: "r", role_name: "Cardiology on call", user_id: user_name ? "u-" + user_name : "", user_name, label: "", source, from, until,
});

describe("local times of a role's zone", () => {
  it("turns a local date-time into an instant and back, across daylight saving", () => {
    expect(instantOf("2026-12-24T18:00", "Europe/Berlin")).toBe("2026-12-24T17:00:00Z");
    expect(instantOf("2026-07-01T08:00", "Europe/Berlin")).toBe("2026-07-01T06:00:00Z");
    expect(instantOf("2026-03-08T08:00", "America/New_York")).toBe("2026-03-08T12:00:00Z");
    expect(instantOf("2026-03-07T08:00", "America/New_York")).toBe("2026-03-07T13:00:00Z");
    expect(localISO(Date.parse("2026-03-08T12:00:00Z"), "America/New_York")).toBe("2026-03-08T08:00");
  });
  it("moves a time the spring change skips forward, as the server does", () => {
    expect(instantOf("2026-03-08T02:30", "America/New_York")).toBe("2026-03-08T07:30:00Z"); // 03:30 EDT
    expect(instantOf("2026-03-29T02:30", "Europe/Berlin")).toBe("2026-03-29T01:30:00Z"); // 03:30 CEST
  });
  it("takes the first of a time the autumn change repeats", () => {
    expect(instantOf("2026-11-01T01:30", "America/New_York")).toBe("2026-11-01T05:30:00Z"); // EDT
    expect(instantOf("2026-10-25T02:30", "Europe/Berlin")).toBe("2026-10-25T00:30:00Z"); // CEST
  });
  it("refuses what is not a local date-time", () => {
    for (const s of ["", "2026-12-24", "2026-12-24 18:00", "2026-13-01T08:00", "2026-12-24T25:00", "tomorrow"]) {
      expect(instantOf(s, "UTC")).toBe("");
    }
  });
});

describe("the month calendar", () => {
  it("moves months across years", () => {
    expect(addMonths("2026-12", 1)).toBe("2027-01");
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(monthDays("2028-02")).toBe(29);
    expect(monthDays("2026-02")).toBe(28);
  });
  it("lays a month out in weeks from Monday", () => {
    const g = monthGrid("2026-11"); // 1 November 2026 is a Sunday
    expect(g[0]).toEqual([null, null, null, null, null, null, "2026-11-01"]);
    expect(g[1][0]).toBe("2026-11-02");
    expect(g[g.length - 1]).toEqual(["2026-11-30", null, null, null, null, null, null]);
    expect(g.flat().filter(Boolean)).toHaveLength(30);
    expect(g.every((w) => w.length === 7)).toBe(true);
  });
  it("asks for a month in the role's zone, with its daylight-saving change", () => {
    expect(monthRange("2026-03", "America/New_York")).toEqual({ from: "2026-03-01T05:00:00Z", to: "2026-04-01T04:00:00Z" });
    expect(monthRange("2026-12", "UTC")).toEqual({ from: "2026-12-01T00:00:00Z", to: "2027-01-01T00:00:00Z" });
  });
  it("lists the hand-overs of a day at their local time, overrides marked", () => {
    const shifts = [
      shift("Shah", "2026-11-23T07:00:00Z", "2026-11-30T07:00:00Z"),
      shift("Lee", "2026-11-30T07:00:00Z", "2026-11-30T19:00:00Z"),
      shift("Okafor", "2026-11-30T19:00:00Z", "2026-12-01T07:00:00Z", "override"),
      shift("", "2026-12-01T07:00:00Z", null, ""),
    ];
    expect(handOvers(shifts, "2026-11-30", "Europe/Berlin")).toEqual([
      { at: "08:00", user_name: "Lee", source: "rotation" },
      { at: "20:00", user_name: "Okafor", source: "override" },
    ]);
    expect(handOvers(shifts, "2026-11-25", "Europe/Berlin")).toEqual([]);
    expect(handOvers(shifts, "2026-12-01", "Europe/Berlin")).toEqual([{ at: "08:00", user_name: "", source: "" }]);
    expect(handOvers([shift("Shah", null, "2026-11-23T07:00:00Z")], "2026-11-22", "Europe/Berlin")).toEqual([]);
    // The span asked for starts on the 1st at midnight: not a hand-over.
    expect(handOvers([shift("", "2026-11-30T23:00:00Z", "2026-12-05T23:00:00Z", ""), shift("Shah", "2026-12-05T23:00:00Z", null)],
      "2026-12-01", "Europe/Berlin")).toEqual([]);
  });
});

describe("the schedule editor", () => {
  it("orders the people up and down", () => {
    expect(moveItem(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moveItem(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    const l = ["a", "b"];
    expect(moveItem(l, 0, -1)).toBe(l);
    expect(moveItem(l, 1, 1)).toBe(l);
  });
  it("reads a rotation into the form and back", () => {
    const r = { kind: "custom", days: 4, hand_over: "19:30", time_zone: "America/Chicago", start: "2026-11-23", people: ["u1", "u2"] };
    const f = rotationForm(r, "UTC", "2026-01-01");
    expect(f).toMatchObject({ kind: "custom", days: 4, end: "", people: ["u1", "u2"] });
    expect(rotationBody(f)).toEqual(r);
    const weekly = rotationBody({ ...f, kind: "weekly", end: "2027-01-04" });
    expect(weekly).toEqual({ kind: "weekly", hand_over: "19:30", time_zone: "America/Chicago", start: "2026-11-23", end: "2027-01-04", people: ["u1", "u2"] });
    expect(rotationForm(undefined, "Europe/Berlin", "2026-11-24")).toEqual({ kind: "weekly", days: 7, hand_over: "08:00",
      time_zone: "Europe/Berlin", start: "2026-11-24", end: "", people: [] });
  });
  it("says what the form can tell before the server", () => {
    const ok = rotationForm({ kind: "weekly", hand_over: "08:00", time_zone: "UTC", start: "2026-11-23", people: ["u1"] }, "UTC", "");
    expect(rotationProblem(ok)).toBe("");
    expect(rotationProblem({ ...ok, people: [] })).toMatch(/at least one person/);
    expect(rotationProblem({ ...ok, hand_over: "8am" })).toMatch(/24-hour/);
    expect(rotationProblem({ ...ok, hand_over: "24:00" })).toMatch(/24-hour/);
    expect(rotationProblem({ ...ok, kind: "custom", days: 0 })).toMatch(/1 to 365/);
    expect(rotationProblem({ ...ok, end: "2026-11-01" })).toMatch(/after its start/);
    expect(rotationProblem({ ...ok, start: "" })).toMatch(/starts/);
  });
  it("lists the time zones with UTC and the role's own", () => {
    expect(timeZones("Asia/Kolkata", ["Europe/Berlin", "America/New_York"])).toEqual(["America/New_York", "Asia/Kolkata", "Europe/Berlin", "UTC"]);
    expect(timeZones("", ["UTC"])).toEqual(["UTC"]);
  });
});

describe("on call now", () => {
  it("says until when", () => {
    expect(untilText("2026-11-30T07:00:00Z", "Europe/Berlin", "en-GB")).toBe("until Mon 30 Nov, 08:00");
    expect(untilText(null)).toBe("");
  });
  it("is for the workforce only; clinicians and staff page", () => {
    for (const r of ["patient", "guest", undefined]) expect(canSeeOnCall(r)).toBe(false);
    for (const r of ["owner", "admin", "compliance", "clinician", "staff"]) expect(canSeeOnCall(r)).toBe(true);
    expect(["owner", "admin", "compliance", "clinician", "staff", "patient", "guest"].filter(canAddressOnCall)).toEqual(["clinician", "staff"]);
  });
});
