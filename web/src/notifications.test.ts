import { describe, expect, it } from "vitest";
import {
  dndActive,
  dndPicks,
  hasPresence,
  presenceOfConversation,
  presenceLabels,
  shownLabels,
  prefsSummary,
  quietHoursError,
  validTime,
  type NotificationPrefs,
} from "./notifications";

const base: NotificationPrefs = {
  new_message: { direct: true, group: true, team_inbox: true },
  quiet_hours: null,
  dnd_until: null,
  presence: "available",
};

describe("notification preferences", () => {
  it("checks times as the server does", () => {
    expect(validTime("22:00")).toBe(true);
    expect(validTime("07:05")).toBe(true);
    for (const bad of ["24:00", "7:00", "07:60", "", "22:00:00"]) expect(validTime(bad)).toBe(false);
    expect(quietHoursError({ from: "22:00", to: "07:00", time_zone: "Europe/London" })).toBe("");
    expect(quietHoursError({ from: "22:00", to: "22:00", time_zone: "Europe/London" })).toMatch(/different/);
    expect(quietHoursError({ from: "25:00", to: "07:00", time_zone: "Europe/London" })).toMatch(/HH:MM/);
    expect(quietHoursError({ from: "22:00", to: "07:00", time_zone: "" })).toMatch(/time zone/);
  });

  it("offers do-not-disturb quick picks", () => {
    const evening = new Date(2026, 10, 24, 21, 30);
    const picks = dndPicks(evening);
    expect(picks.map((p) => p.id)).toEqual(["1h", "tomorrow-7"]);
    expect(picks[0].until.getTime() - evening.getTime()).toBe(3600_000);
    const t = picks[1].until;
    expect([t.getDate(), t.getHours(), t.getMinutes()]).toEqual([25, 7, 0]);
    const night = new Date(2026, 10, 25, 2, 10);
    const early = dndPicks(night);
    expect(early.map((p) => p.id)).toEqual(["1h", "today-7", "tomorrow-7"]);
    expect([early[1].until.getDate(), early[1].until.getHours()]).toEqual([25, 7]);
  });

  it("summarises and knows when do-not-disturb is on", () => {
    const now = new Date(2026, 10, 24, 21, 30);
    expect(prefsSummary(base, now)).toBe("Every message notifies you.");
    const until = new Date(2026, 10, 25, 7, 0);
    const p = { ...base, dnd_until: until.toISOString(), quiet_hours: { from: "22:00", to: "07:00", time_zone: "Europe/London" } };
    expect(dndActive(p, now)).toBe(true);
    expect(dndActive(p, new Date(until.getTime() + 1))).toBe(false);
    expect(prefsSummary(p, now)).toBe("Do not disturb until 07:00 · Quiet hours 22:00–07:00 (Europe/London)");
    expect(prefsSummary({ ...base, presence: "off_duty" }, now)).toMatch(/Off duty/);
  });

  it("shows presence to staff only, on direct conversations", () => {
    expect(hasPresence("clinician")).toBe(true);
    expect(hasPresence("patient")).toBe(false);
    expect(hasPresence("guest")).toBe(false);
    const direct = { kind: "direct", members: [{ user_id: "me" }, { user_id: "ana" }] };
    expect(presenceOfConversation(direct, "me", { ana: "busy" })).toBe("busy");
    expect(presenceOfConversation(direct, "me", {})).toBeUndefined();
    expect(presenceOfConversation(direct, "me", { ana: "on_call" })).toBe("on_call");
    expect(shownLabels.on_call).toBe("On call");
    expect(Object.keys(presenceLabels)).not.toContain("on_call"); // the schedule sets it, never the selector
    expect(presenceOfConversation({ ...direct, kind: "group" }, "me", { ana: "busy" })).toBeUndefined();
  });
});
