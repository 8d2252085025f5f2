import { describe, expect, it } from "vitest";
import { addDays, calendar, localMidnight, type OnCall } from "./oncall";

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
