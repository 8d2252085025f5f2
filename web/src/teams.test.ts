import { describe, expect, it } from "vitest";
import type { User } from "./api";
import { candidates, mayJoinTeam, teamNameProblem, type Team } from "./teams";
import { parseRoute } from "./router";

const team = (id: string, name: string, members: string[] = []): Team => ({
  id,
  name,
  created_at: "2026-12-06T00:00:00Z",
  members: members.map((m) => ({ user_id: m, name: m, role: "clinician", added_at: "2026-12-06T00:00:00Z" })),
});
const user = (id: string, name: string, role: User["role"], disabled = false): User => ({
  id,
  org_id: "o",
  email: id + "@x.example",
  name,
  role,
  disabled,
  created_at: "2026-12-06T00:00:00Z",
});

describe("care teams", () => {
  it("only clinicians and staff may join", () => {
    expect(["owner", "admin", "compliance", "clinician", "staff", "patient"].filter((r) => mayJoinTeam(r as User["role"]))).toEqual([
      "clinician",
      "staff",
    ]);
  });

  it("checks names: empty, long, taken ignoring case", () => {
    const teams = [team("t1", "Cardiology clinic"), team("t2", "Front desk")];
    expect(teamNameProblem("  ", teams)).toMatch(/name/);
    expect(teamNameProblem("x".repeat(101), teams)).toMatch(/100/);
    expect(teamNameProblem("x".repeat(100), teams)).toBe("");
    expect(teamNameProblem(" cardiology CLINIC ", teams)).toMatch(/Another team/);
    expect(teamNameProblem("Cardiology Clinic", teams, "t1")).toBe(""); // renaming itself
    expect(teamNameProblem("front desk", teams, "t1")).toMatch(/Another team/);
  });

  it("offers enabled clinicians and staff not in the team, by name", () => {
    const users = [
      user("u1", "Zoe", "staff"),
      user("u2", "Al", "clinician"),
      user("u3", "Pat", "patient"),
      user("u4", "Ada", "admin"),
      user("u5", "Old", "clinician", true),
      user("u6", "Bea", "clinician"),
    ];
    expect(candidates(team("t", "T", ["u6"]), users).map((u) => u.name)).toEqual(["Al", "Zoe"]);
  });

  it("routes /admin/teams", () => {
    expect(parseRoute("/admin/teams")).toEqual({ name: "admin-teams" });
  });
});
