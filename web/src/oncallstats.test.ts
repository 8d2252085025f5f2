import { describe, expect, it } from "vitest";
import { onCallSeries, onCallSummary, type OnCallDay } from "./insights";

const day = (d: Partial<OnCallDay> & { day: string }): OnCallDay => ({ pages: 0, acknowledged: 0, ack_p50_s: 0, escalations: 0, ...d });

describe("on-call figures", () => {
  it("fills every day of the range with one figure", () => {
    const days = [day({ day: "2026-03-01", pages: 3, acknowledged: 2, escalations: 1 })];
    expect(onCallSeries(days, "2026-02-28", "2026-03-02", "pages")).toEqual([
      { day: "2026-02-28", count: 0 },
      { day: "2026-03-01", count: 3 },
      { day: "2026-03-02", count: 0 },
    ]);
    expect(onCallSeries(days, "2026-03-01", "2026-03-01", "escalations")).toEqual([{ day: "2026-03-01", count: 1 }]);
    expect(onCallSeries([], "2026-03-01", "2026-03-02", "acknowledged").map((d) => d.count)).toEqual([0, 0]);
  });
  it("says the range in words", () => {
    expect(onCallSummary([])).toBe("No pages in this range.");
    expect(
      onCallSummary([
        day({ day: "2026-03-01", pages: 3, acknowledged: 2, ack_p50_s: 240, escalations: 1 }),
        day({ day: "2026-03-02", pages: 1, acknowledged: 1, ack_p50_s: 720 }),
        day({ day: "2026-03-03", escalations: 2 }),
      ]),
    ).toBe("4 pages, 3 acknowledged; the slowest day, Mar 2: median 12 min to acknowledge; 3 escalations.");
    expect(onCallSummary([day({ day: "2026-03-01", pages: 2 })])).toBe("2 pages, 0 acknowledged; 0 escalations.");
  });
});
