// The team inbox (issue 22): a patient writes to one of their care teams;
// the team's clinicians and staff see its shared inbox, longest waiting
// first, and claim, assign and close threads. The shapes the API answers
// with (internal/httpapi/inbox.go) and the small rules the screens apply.
import type { Team } from "./teams";

export type InboxStatus = "open" | "waiting" | "closed";
export const inboxStatuses: InboxStatus[] = ["open", "waiting", "closed"];

export interface InboxThread {
  conversation_id: string;
  team_id: string;
  patient_id: string;
  status: InboxStatus;
  assignee_id?: string;
  waiting_since?: string;
  waiting_seconds: number;
  created_at: string;
}

export interface CareTeam {
  id: string;
  name: string;
}

export const inboxEndpoints = {
  careTeams: "/api/v1/inbox/teams",
  start: "/api/v1/inbox/conversations",
  list: (team: string, status: InboxStatus) =>
    `/api/v1/teams/${encodeURIComponent(team)}/inbox?status=${status}&limit=50`,
  claim: (conv: string) => `/api/v1/inbox/${encodeURIComponent(conv)}/claim`,
  assign: (conv: string) => `/api/v1/inbox/${encodeURIComponent(conv)}/assign`,
  status: (conv: string) => `/api/v1/inbox/${encodeURIComponent(conv)}/status`,
};

export const statusLabels: Record<InboxStatus, string> = {
  open: "Open",
  waiting: "Waiting on patient",
  closed: "Closed",
};

// formatWaiting says how long a patient has waited, shortly: "" when they
// are not waiting.
// waitingLabel says how long the patient of thread t has waited, or
// "answered": a thread waits while it has waiting_since, even under a
// second (waiting_seconds 0).
export function waitingLabel(t: Pick<InboxThread, "waiting_since" | "waiting_seconds">): string {
  if (!t.waiting_since) return "answered";
  return "waiting " + (formatWaiting(t.waiting_seconds) || "under a minute");
}

export function formatWaiting(seconds: number): string {
  if (!(seconds > 0)) return "";
  if (seconds < 60) return "under a minute";
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

// writeProblem says what keeps a patient's message (its text and the
// number of photos with it) from being sent, or "" when the server may be
// asked (which checks again).
export function writeProblem(teams: CareTeam[], teamID: string, body: string, photos = 0): string {
  if (teams.length === 0) return "You are not in a care team's list yet. Your care team will write to you here.";
  if (!teams.some((t) => t.id === teamID)) return "Choose the care team to write to.";
  if (!body.trim() && photos === 0) return "Write your message or add a photo.";
  return "";
}

// maxFirstPhotos is how many photos the first message to a care team takes.
export const maxFirstPhotos = 4;

// firstMessageText is the text of a patient's first message with photos:
// what they wrote, or the photos' names when they wrote nothing (as the
// thread composer does).
export function firstMessageText(body: string, photoNames: string[]): string {
  return body.trim() || photoNames.join(", ");
}

// defaultTeam is the team the patient's form starts on: their only one, or
// none to choose from several.
export function defaultTeam(teams: CareTeam[]): string {
  return teams.length === 1 ? teams[0].id : "";
}

// myTeams are the care teams the user is a member of, by name: the inboxes
// they may open.
export function myTeams(teams: Team[], me: string): Team[] {
  return teams.filter((t) => t.members.some((m) => m.user_id === me)).sort((a, b) => a.name.localeCompare(b.name));
}
