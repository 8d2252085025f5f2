// Care teams in the admin console: the shapes the API answers with, and
// the small rules the screen applies before asking the server (which
// checks them again).
import type { Role, User } from "./api";

export interface TeamMember {
  user_id: string;
  name: string;
  role: Role;
  added_at: string;
}

export interface Team {
  id: string;
  name: string;
  members: TeamMember[];
  created_at: string;
}

export const maxTeamNameLength = 100;

// Only clinicians and staff may be in a care team.
export function mayJoinTeam(role: Role): boolean {
  return role === "clinician" || role === "staff";
}

// teamNameProblem says what is wrong with a team name the admin typed,
// or "" when the server may be asked. Names are unique per org, ignoring
// case; `except` is the team being renamed.
export function teamNameProblem(name: string, teams: Team[], except?: string): string {
  const n = name.trim();
  if (!n) return "Give the team a name.";
  if ([...n].length > maxTeamNameLength) return `A team name has at most ${maxTeamNameLength} characters.`;
  const key = n.toLowerCase();
  if (teams.some((t) => t.id !== except && t.name.toLowerCase() === key)) return "Another team has this name.";
  return "";
}

// candidates are the people who may be added to team t: enabled
// clinicians and staff not in it yet, by name.
export function candidates(t: Team, users: User[]): User[] {
  const in_ = new Set(t.members.map((m) => m.user_id));
  return users
    .filter((u) => mayJoinTeam(u.role) && !u.disabled && !in_.has(u.id))
    .sort((a, b) => a.name.localeCompare(b.name));
}
