import { describe, expect, it } from "vitest";
import { addDays, calendar, localMidnight, pageText, refetchOnCall, threadOnCall, type Addressed, type OnCall, type PageStatus } from "./oncall";

const shift = (user_name: string, from: string, until: string, source: OnCall["source"] = "rotation"): OnCall => ({
  role_id: "r", role_name: "Cardiology on call", user_id: user_name ? "u-" + user_name : "", user_name, label: "",
  source, from, until,
});

describe("localMidnight", () => {
  it("follows daylight-saving changes", () => {
    expect(new Date(localMidnight("2026-03-07", "America/New_York")).toISOString()).toBe("2026-03-07T05:00:00.000Z");
    expect(new Date(localMidnight("2026-03-09", "America/New_York")).toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(new Date(localMidnight("2026-03-30", "Europe/Berlin")).toISOString()).toBe("2026-03-29T22:00:00.000Z");
  });
  it("moves dates across months", () => {
    expect(addDays("2026-02-27", 3)).toBe("2026-03-02");
  });
});

describe("calendar", () => {
  it("lists who is on call each local day, hand-over days twice, overrides marked", () => {
    // A daily 08:00 New York hand-over across the spring change, with an override.
    const shifts = [
      shift("Shah", "2026-03-07T13:00:00Z", "2026-03-08T12:00:00Z"),
      shift("Lee", "2026-03-08T12:00:00Z", "2026-03-08T20:00:00Z"),
      shift("Okafor", "2026-03-08T20:00:00Z", "2026-03-09T02:00:00Z", "override"),
      shift("Lee", "2026-03-09T02:00:00Z", "2026-03-09T12:00:00Z"),
    ];
    const cells = calendar(shifts, "2026-03-07", 3, "America/New_York");
    expect(cells.map((c) => c.day)).toEqual(["2026-03-07", "2026-03-08", "2026-03-09"]);
    expect(cells[0].entries).toEqual([{ user_name: "Shah", source: "rotation" }]);
    expect(cells[1].entries.map((e) => `${e.user_name}:${e.source}`)).toEqual(["Shah:rotation", "Lee:rotation", "Okafor:override", "Lee:rotation"]);
    // The override ends at 22:00 EDT on the 8th: the 9th (from 04:00 UTC) is Lee's alone.
    expect(cells[2].entries.map((e) => `${e.user_name}:${e.source}`)).toEqual(["Lee:rotation"]);
  });
  it("shows a time with no one on call", () => {
    const cells = calendar([shift("", "2026-01-01T00:00:00Z", "2026-01-05T13:00:00Z", ""), shift("Shah", "2026-01-05T13:00:00Z", "2026-01-12T13:00:00Z")],
      "2026-01-04", 2, "America/New_York");
    expect(cells[0].entries).toEqual([{ user_name: "", source: "" }]);
    expect(cells[1].entries.map((e) => e.user_name)).toEqual(["", "Shah"]);
  });
});

describe("a thread addressed to a role", () => {
  const a = (label: string, message_id: string): Addressed => ({
    role_id: "r", role_name: "Cardiology on call", user_id: "u", user_name: "Dr Shah", label, message_id, at: "2026-11-24T10:00:00Z",
  });
  it("shows the latest label and the latest page", () => {
    expect(threadOnCall(undefined)).toEqual({ label: "", pageID: "" });
    expect(threadOnCall([a("Cardiology on call (Dr Shah)", "")])).toEqual({ label: "Cardiology on call (Dr Shah)", pageID: "" });
    expect(threadOnCall([a("Cardiology on call (Dr Shah)", "m1"), a("Cardiology on call (Dr Lee)", "m2"), a("Cardiology on call (Dr Lee)", "")]))
      .toEqual({ label: "Cardiology on call (Dr Lee)", pageID: "m2" });
  });
  it("says where a page is", () => {
    const time = (iso: string) => iso.slice(11, 16);
    const p: PageStatus = { step: "secondary", holder_name: "Dr Rao", since: "2026-11-24T10:42:00Z", done: false, acked_by: "", acked_by_name: "", acked_at: null };
    expect(pageText(p, time)).toBe("with Dr Rao (secondary) since 10:42");
    expect(pageText({ ...p, done: true, acked_by: "u", acked_by_name: "Dr Rao", acked_at: "2026-11-24T10:50:00Z" }, time)).toBe("acknowledged by Dr Rao at 10:50");
    expect(pageText({ ...p, done: true }, time)).toBe("closed");
  });
  it("asks again only for role threads and urgent messages", () => {
    expect(refetchOnCall(false, undefined)).toBe(false);
    expect(refetchOnCall(false, { priority: "normal" })).toBe(false);
    expect(refetchOnCall(false, { priority: "urgent" })).toBe(true);
    expect(refetchOnCall(true, { priority: "normal" })).toBe(true);
  });
});
