import { describe, expect, it } from "vitest";
import {
  auditExportURL,
  auditSearchURL,
  bars,
  dayRange,
  durationText,
  emptyFilters,
  exportRange,
  inboxSeries,
  inboxSummary,
  niceMax,
  rangeProblem,
  shortDay,
  summarize,
  type InboxDay,
} from "./insights";
import { parseRoute } from "./router";

describe("audit URLs", () => {
  it("carries only the filters that are set, the cursor and the page size", () => {
    expect(auditSearchURL(emptyFilters)).toBe("/api/v1/audit?limit=50");
    expect(auditSearchURL({ ...emptyFilters, action: "login.succeeded", from: "2026-03-01", user: " u1 " }, "123", 20)).toBe(
      "/api/v1/audit?user=u1&action=login.succeeded&from=2026-03-01&before=123&limit=20",
    );
  });
  it("exports with the same filters and a format", () => {
    expect(auditExportURL({ ...emptyFilters, patient: "p 1", to: "2026-03-31" }, "csv")).toBe(
      "/api/v1/audit/export?patient=p+1&from=2026-03-02&to=2026-03-31&format=csv",
    );
    const now = new Date("2026-03-10T23:30:00Z");
    expect(auditExportURL({ ...emptyFilters, action: "login.failed" }, "jsonl", now)).toBe(
      "/api/v1/audit/export?action=login.failed&from=2026-02-09&to=2026-03-10&format=jsonl",
    );
    expect(exportRange({ ...emptyFilters, from: "2026-01-01" }, now)).toEqual({ from: "2026-01-01", to: "2026-03-10" });
  });
  it("checks the date range", () => {
    expect(rangeProblem({ ...emptyFilters, from: "2026-03-02", to: "2026-03-01" })).toBe("From is after To.");
    expect(rangeProblem({ ...emptyFilters, from: "2026-03-01", to: "2026-03-01" })).toBe("");
    expect(rangeProblem({ ...emptyFilters, from: "yesterday" })).not.toBe("");
  });
  it("routes /audit and /admin/dashboard", () => {
    expect(parseRoute("/audit")).toEqual({ name: "audit" });
    expect(parseRoute("/admin/dashboard/")).toEqual({ name: "admin-dashboard" });
  });
});

describe("chart scaling", () => {
  it("rounds the top of the scale to 1, 2 or 5 × 10^n", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(10)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(180)).toBe(200);
    expect(niceMax(501)).toBe(1000);
  });
  it("lays out one bar per day, scaled to the top, bottoms on the axis", () => {
    const bs = bars(
      [
        { day: "d1", count: 0 },
        { day: "d2", count: 5 },
        { day: "d3", count: 10 },
        { day: "d4", count: 1 },
      ],
      400,
      100,
    );
    expect(bs.map((b) => b.height)).toEqual([0, 50, 100, 10]);
    for (const b of bs) expect(b.y + b.height).toBe(100);
    expect(bs.map((b) => b.x)).toEqual([1, 101, 201, 301]);
    expect(bs[0].width).toBe(98);
  });
  it("keeps a small non-zero bar visible and never overflows", () => {
    const bs = bars(
      [
        { day: "a", count: 1 },
        { day: "b", count: 1000 },
      ],
      10,
      100,
    );
    expect(bs[0].height).toBe(1);
    expect(bs[1].height).toBe(100);
    expect(bars([{ day: "a", count: 50 }], 10, 100, 10)[0].height).toBe(100);
    expect(bars([], 10, 10)).toEqual([]);
  });
  it("says a series in words", () => {
    expect(summarize([{ day: "2026-03-01", count: 0 }], "messages")).toBe("No messages in the last 1 days.");
    expect(
      summarize(
        [
          { day: "2026-03-01", count: 2 },
          { day: "2026-03-02", count: 5 },
        ],
        "messages",
      ),
    ).toBe("7 messages in the last 2 days; the most, 5, on 2026-03-02.");
    expect(shortDay("2026-03-07")).toBe("Mar 7");
  });
});

describe("inbox response times", () => {
  const day = (p: Partial<InboxDay>): InboxDay => ({
    day: "2026-03-02",
    first_response_count: 0,
    first_response_p50_s: 0,
    first_response_p90_s: 0,
    resolution_count: 0,
    resolution_p50_s: 0,
    resolution_p90_s: 0,
    count: 0,
    ...p,
  });
  it("lists every day of a range", () => {
    expect(dayRange("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(dayRange("2026-03-02", "2026-03-01")).toEqual([]);
    expect(dayRange("bad", "2026-03-01")).toEqual([]);
  });
  it("zero-fills a team's medians in whole units, rounded up", () => {
    const days = [day({ day: "2026-03-01", first_response_count: 3, first_response_p50_s: 61, resolution_count: 1, resolution_p50_s: 7200 })];
    expect(inboxSeries(days, "2026-02-28", "2026-03-02", "first_response", 60)).toEqual([
      { day: "2026-02-28", count: 0 },
      { day: "2026-03-01", count: 2 },
      { day: "2026-03-02", count: 0 },
    ]);
    expect(inboxSeries(days, "2026-03-01", "2026-03-01", "resolution", 3600)).toEqual([{ day: "2026-03-01", count: 2 }]);
  });
  it("says durations and a summary", () => {
    expect([durationText(40), durationText(720), durationText(12_600), durationText(181_440)]).toEqual(["40 s", "12 min", "3.5 h", "2.1 d"]);
    const days = [
      day({ day: "2026-03-01", first_response_count: 2, first_response_p50_s: 300, first_response_p90_s: 600 }),
      day({ day: "2026-03-02", first_response_count: 1, first_response_p50_s: 900, first_response_p90_s: 900 }),
    ];
    expect(inboxSummary(days, "first_response")).toBe("3 first responses; the slowest day, Mar 2: median 15 min, 90th percentile 15 min.");
    expect(inboxSummary(days, "resolution")).toBe("No resolutions in this range.");
  });
});
