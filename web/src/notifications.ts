// Notification preferences and presence (docs/notifications.md): the pure
// parts the Account page and the header use.

export type Presence = "available" | "busy" | "off_duty";

export interface QuietHours {
  from: string; // HH:MM
  to: string;
  time_zone: string; // IANA
}

export interface NotificationPrefs {
  new_message: { direct: boolean; group: boolean; team_inbox: boolean };
  quiet_hours: QuietHours | null;
  dnd_until: string | null; // RFC 3339
  presence: Presence;
  updated_at?: string;
}

export const presenceLabels: Record<Presence, string> = {
  available: "Available",
  busy: "Busy",
  off_duty: "Off duty",
};

// Shown is a colleague's presence as GET /api/v1/presence gives it: as
// set by hand, or "on_call" when an on-call schedule has them on call now
// and they did not set busy or off duty by hand (docs/notifications.md).
export type Shown = Presence | "on_call";

export const shownLabels: Record<Shown, string> = { ...presenceLabels, on_call: "On call" };

// Only staff have a presence; patients and guests neither set nor see it.
export const hasPresence = (role: string | undefined) =>
  role === "owner" || role === "admin" || role === "compliance" || role === "clinician" || role === "staff";

// validTime reports whether s is a time of day as the server takes it.
export const validTime = (s: string) => /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(s);

// quietHoursError says what is wrong with quiet hours, or "" when nothing.
export function quietHoursError(q: QuietHours): string {
  if (!validTime(q.from) || !validTime(q.to)) return "Quiet hours need a start and an end time (HH:MM).";
  if (q.from === q.to) return "Quiet hours must start and end at different times.";
  if (!q.time_zone) return "Choose a time zone for quiet hours.";
  return "";
}

export interface DndPick {
  id: string;
  label: string;
  until: Date;
}

// dndPicks are the do-not-disturb quick picks at now, in the browser's
// zone: an hour, until 07:00 tomorrow, until the end of today's quiet hours
// is not offered (quiet hours already cover it).
export function dndPicks(now: Date): DndPick[] {
  const hour = new Date(now.getTime() + 3600_000);
  const seven = new Date(now);
  seven.setDate(seven.getDate() + 1);
  seven.setHours(7, 0, 0, 0);
  const picks: DndPick[] = [
    { id: "1h", label: "For 1 hour", until: hour },
    { id: "tomorrow-7", label: "Until 07:00 tomorrow", until: seven },
  ];
  // Before 07:00, "until 07:00" today is what people mean.
  if (now.getHours() < 7) {
    const today = new Date(now);
    today.setHours(7, 0, 0, 0);
    picks.splice(1, 0, { id: "today-7", label: "Until 07:00", until: today });
  }
  return picks;
}

// dndActive reports whether do-not-disturb is on at now.
export const dndActive = (p: NotificationPrefs, now: Date) =>
  p.dnd_until !== null && new Date(p.dnd_until).getTime() > now.getTime();

// prefsSummary is one line for the header of the preferences card.
export function prefsSummary(p: NotificationPrefs, now: Date): string {
  const parts: string[] = [];
  if (dndActive(p, now)) {
    const d = new Date(p.dnd_until!);
    parts.push(`Do not disturb until ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`);
  }
  if (p.presence === "off_duty") parts.push("Off duty: only urgent messages notify you");
  if (p.quiet_hours) parts.push(`Quiet hours ${p.quiet_hours.from}–${p.quiet_hours.to} (${p.quiet_hours.time_zone})`);
  return parts.length ? parts.join(" · ") : "Every message notifies you.";
}

// browserTimeZone is the browser's IANA zone, the default for quiet hours.
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

// presenceOfConversation is the presence dot a direct conversation shows:
// the other member's, when it is not available.
export function presenceOfConversation(
  c: { kind: string; members: { user_id: string }[] },
  me: string | undefined,
  presence: Record<string, Shown>,
): Shown | undefined {
  if (c.kind !== "direct") return undefined;
  const other = c.members.find((m) => m.user_id !== me);
  return other ? presence[other.user_id] : undefined;
}
