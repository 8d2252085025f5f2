import { describe, expect, it } from "vitest";
import { defaultTeam, firstMessageText, formatWaiting, inboxEndpoints, myTeams, waitingLabel, writeProblem } from "./inbox";
import type { Team } from "./teams";

describe("team inbox", () => {
  it("says how long a patient has waited", () => {
    expect(formatWaiting(0)).toBe("");
    // A thread waits while it has waiting_since, even for under a second.
    expect(waitingLabel({ waiting_since: "2026-12-06T23:53:30Z", waiting_seconds: 0 })).toBe("waiting under a minute");
    expect(waitingLabel({ waiting_since: "2026-12-06T23:53:30Z", waiting_seconds: 90 })).toBe("waiting 1 min");
    expect(waitingLabel({ waiting_seconds: 0 })).toBe("answered");
    expect(formatWaiting(30)).toBe("under a minute");
    expect(formatWaiting(90)).toBe("1 min");
    expect(formatWaiting(3 * 3600 + 5 * 60)).toBe("3 h 05 min");
    expect(formatWaiting(50 * 3600)).toBe("2 d 2 h");
  });
  it("checks a patient's message before sending", () => {
    const teams = [{ id: "t1", name: "Cardiology" }, { id: "t2", name: "Ward 7" }];
    expect(writeProblem([], "", "hi")).toMatch(/not in a care team/);
    expect(writeProblem(teams, "", "hi")).toMatch(/Choose/);
    expect(writeProblem(teams, "t9", "hi")).toMatch(/Choose/);
    expect(writeProblem(teams, "t2", "  ")).toMatch(/Write/);
    expect(writeProblem(teams, "t2", "hello")).toBe("");
    expect(writeProblem(teams, "t2", "  ", 1)).toBe("");
    expect(writeProblem(teams, "", "", 1)).toMatch(/Choose/);
    expect(defaultTeam(teams)).toBe("");
    expect(defaultTeam(teams.slice(0, 1))).toBe("t1");
  });
  it("names the photos of a first message written without text", () => {
    expect(firstMessageText("  Here it is ", ["a.jpg"])).toBe("Here it is");
    expect(firstMessageText(" ", ["a.jpg", "b.png"])).toBe("a.jpg, b.png");
  });
  it("opens only the inboxes of one's own teams", () => {
    const m = (id: string) => ({ user_id: id, name: id, role: "staff" as const, added_at: "" });
    const teams: Team[] = [
      { id: "b", name: "Ward 7", members: [m("me")], created_at: "" },
      { id: "a", name: "Cardiology", members: [m("me"), m("x")], created_at: "" },
      { id: "c", name: "Other", members: [m("x")], created_at: "" },
    ];
    expect(myTeams(teams, "me").map((t) => t.id)).toEqual(["a", "b"]);
  });
  it("escapes ids in paths", () => {
    expect(inboxEndpoints.list("a/b", "open")).toBe("/api/v1/teams/a%2Fb/inbox?status=open&limit=50");
    expect(inboxEndpoints.claim("x?y")).toBe("/api/v1/inbox/x%3Fy/claim");
  });
});
