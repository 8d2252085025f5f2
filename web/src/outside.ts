// Secure messages to outside addresses (docs/outside.md): staff write to an
// email address with no ward account; the address gets a link (never the
// message); its holder proves the address with a mailed code and reads and
// replies here as a guest, phone-first, in that one thread. This file is
// the pure logic of both sides: the endpoints, the sentences for the
// server's codes, the sender's status line, and what a guest may see.

import type { Me, Role } from "./api";
import type { Route } from "./router";

export const outsideEndpoints = {
  messages: "/api/v1/outside-messages",
  ofConversation: (cid: string) => `/api/v1/outside-messages?conversation_id=${encodeURIComponent(cid)}`,
  link: (token: string) => `/api/v1/outside/${encodeURIComponent(token)}`,
  code: (token: string) => `/api/v1/outside/${encodeURIComponent(token)}/email-code`,
  open: (token: string) => `/api/v1/outside/${encodeURIComponent(token)}/open`,
};

export type OutsideStatus = "sent" | "opened" | "replied";

// OutsideMessage is one secure message as its sender sees it (no address,
// no content: the thread holds those).
export interface OutsideMessage {
  id: string;
  conversation_id: string;
  message_id: string;
  guest_id: string;
  status: OutsideStatus;
  created_at: string;
  expires_at: string;
  opened_at?: string;
}

// LinkInfo is what a link shows before the address is proved.
export interface LinkInfo {
  clinic: string;
  expires_at: string;
}

export const isGuest = (r: Role | undefined) => r === "guest";

// guestClinic is the clinic a guest reads for: the name the link showed,
// or after a reload the org's name from GET /api/v1/me ("" if neither).
export const guestClinic = (fromLink: string, me: Me | null | undefined): string => fromLink || me?.org?.name || "";

// guestThreadTitle is how a guest's thread is titled: by the clinic (the
// thread's own title is the guest's address).
export const guestThreadTitle = (clinic: string): string => (clinic ? `Secure message from ${clinic}` : "Secure message");

// latestByConversation keeps, of a list newest first (as the server
// answers), each thread's latest secure message: the status its header
// shows.
export function latestByConversation(list: OutsideMessage[]): Record<string, OutsideMessage> {
  const out: Record<string, OutsideMessage> = {};
  for (const m of list) if (!out[m.conversation_id]) out[m.conversation_id] = m;
  return out;
}

const rank: Record<OutsideStatus, number> = { sent: 0, opened: 1, replied: 2 };

// mergeOutside merges answers into what the client holds, so that an
// answer that left the server before a newer one cannot undo it: per
// thread, a newer link wins (ids are UUIDv7, which sort by time), and for
// the same link the status only moves forward (sent, opened, replied).
export function mergeOutside(
  held: Record<string, OutsideMessage>,
  got: Record<string, OutsideMessage>,
): Record<string, OutsideMessage> {
  const out = { ...held };
  for (const [cid, m] of Object.entries(got)) {
    const h = out[cid];
    if (!h || m.id > h.id || (m.id === h.id && rank[m.status] >= rank[h.status])) out[cid] = m;
  }
  return out;
}

// statusLine is what the sender reads in the thread's header: what the
// recipient did with the latest link, and until when it works (or that it
// expired unopened). fmt formats a time for the reader.
export function statusLine(m: OutsideMessage, now: Date, fmt: (iso: string) => string): string {
  const expired = new Date(m.expires_at).getTime() <= now.getTime();
  switch (m.status) {
    case "replied":
      return "Replied";
    case "opened":
      return expired ? "Opened · access ended " + fmt(m.expires_at) : "Opened · access until " + fmt(m.expires_at);
  }
  return expired ? "Sent · the link expired unopened " + fmt(m.expires_at) : "Sent · link works until " + fmt(m.expires_at);
}

const sendRefusals: Record<string, string> = {
  account_exists: "This address belongs to someone with a ward account in your organisation: write to them in ward instead.",
  invalid_input: "",
  unavailable:
    "Email is not set up on this server, or the mail could not go. Nothing was lost: try sending again in a moment, or ask your administrator.",
  forbidden: "You cannot write to this address (an administrator turned it off, or your role does not include outside messages).",
  not_found: "This conversation is not one of your outside threads.",
  rate_limited: "Too many messages in a short time. Wait a moment and try again.",
};

// sendRefusal is the sentence for a refused send, or "" when the server's
// own message (a field's problem, say) says it best.
export function sendRefusal(code: string): string {
  return sendRefusals[code] ?? "";
}

const linkRefusals: Record<string, string> = {
  not_found: "This link is not valid. Check that you opened the whole link from the email.",
  link_used:
    "This link was already used. Each link opens once; the next message from the clinic brings a new one.",
  link_expired: "This link expired. The next message from the clinic brings a new one, or ask them to write again.",
  email_code_required: "That code is not right, or it expired. Enter the 6-digit code from the newest email, or ask for a new code.",
  rate_limited: "Too many attempts. Wait a few minutes and try again.",
  unavailable: "Email is not available right now. Try again later.",
};

// linkRefusal is the sentence for a refusal on the link page, or "" when
// the server's own message should be shown.
export function linkRefusal(code: string): string {
  return linkRefusals[code] ?? "";
}

// emailProblem is what is wrong with an address before the server is
// asked ("" when nothing); the server checks again.
export function emailProblem(email: string): string {
  const e = email.trim();
  if (!e) return "Enter the email address to write to.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) return "This does not look like an email address.";
  return "";
}

export type GuestScreen = "home" | "conversation" | "notfound";

// guestScreen is the screen a route shows a guest: their thread(s) and
// nothing else (no directory, no new conversation, no account settings).
export function guestScreen(route: Route): GuestScreen {
  switch (route.name) {
    case "home":
      return "home";
    case "conversation":
      return "conversation";
  }
  return "notfound";
}

// guestSignedOut is the sign-in page's notice for a guest: a guest has no
// password, so they come back only through a new link.
export function guestSignedOut(why: string): string {
  return `${why} To read the conversation again, open the link in the newest email from the clinic; each message they send brings a new one.`;
}
