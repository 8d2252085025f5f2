import { describe, expect, it } from "vitest";
import { dayText, parseDay, parseHolidays } from "./replies";

describe("team hours text", () => {
  it("round-trips a day's windows", () => {
    const open = [
      { day: 1, open: "08:00", close: "12:00" },
      { day: 1, open: "13:00", close: "17:00" },
      { day: 2, open: "09:00", close: "10:00" },
    ];
    expect(dayText(open, 1)).toBe("08:00-12:00, 13:00-17:00");
    expect(parseDay(dayText(open, 1), 1)).toEqual(open.slice(0, 2));
    expect(dayText(open, 0)).toBe("");
    expect(parseDay("", 0)).toEqual([]);
  });
  it("pads hours and refuses other text, naming the day", () => {
    expect(parseDay("8:00 - 17:30", 3)).toEqual([{ day: 3, open: "08:00", close: "17:30" }]);
    expect(parseDay("9am-5pm", 1)).toContain("Monday");
  });
  it("reads holidays", () => {
    expect(parseHolidays("2026-12-25, 2026-12-26\n2027-01-01")).toEqual(["2026-12-25", "2026-12-26", "2027-01-01"]);
    expect(parseHolidays("")).toEqual([]);
    expect(parseHolidays("Christmas")).toContain("Christmas");
  });
});
