// Conversations and messages: the shapes the API answers with, made
// uniform, and the receipt arithmetic the thread shows.

export interface Member {
  user_id: string;
  role?: string;
}

export interface Conversation {
  id: string;
  kind: "direct" | "group";
  title: string;
  // patient_id: the patient record (or patient user) it is about; "" for none.
  patient_id: string;
  members: Member[];
  last_seq: number;
  last_message_at: string;
  unread: number;
  urgent_unacked: number;
}

export interface Receipt {
  user_id: string;
  delivered_at?: string;
  read_at?: string;
  acknowledged_at?: string;
}

export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_id: string;
  body: string;
  priority: "normal" | "urgent";
  // "auto_reply": a care team's after-hours auto-reply; sender_id is then
  // the team's id, not a user's.
  kind?: "auto_reply";
  created_at: string;
  recalled: boolean;
  receipts: Receipt[];
  attachments: Attachment[];
  pending?: boolean; // sent by this page, not yet answered
  failed?: string; // the send failed: why
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" && isFinite(v) ? v : 0);
const isSet = (v: unknown): boolean => typeof v === "string" && v !== "" && !v.startsWith("0001-01-01");

export function normConversation(r: Raw): Conversation {
  const members = Array.isArray(r.members)
    ? (r.members as unknown[]).map((m) =>
        typeof m === "string" ? { user_id: m } : { user_id: str((m as Raw).user_id ?? (m as Raw).id), role: str((m as Raw).role) },
      )
    : [];
  return {
    id: str(r.id),
    kind: r.kind === "group" ? "group" : "direct",
    title: str(r.title),
    patient_id: str(r.patient_id),
    members,
    last_seq: num(r.last_seq),
    last_message_at: isSet(r.last_message_at) ? str(r.last_message_at) : "",
    unread: num(r.unread ?? r.unread_count),
    urgent_unacked: num(r.urgent_unacked ?? r.urgent_unacknowledged ?? r.urgent),
  };
}

function normReceipt(r: Raw): Receipt {
  const t = (...ks: string[]) => {
    for (const k of ks) if (isSet(r[k])) return str(r[k]);
    return undefined;
  };
  return {
    user_id: str(r.user_id),
    delivered_at: t("delivered_at"),
    read_at: t("read_at"),
    acknowledged_at: t("acknowledged_at", "acked_at"),
  };
}

export function normMessage(r: Raw, conversationID = ""): Message {
  return {
    id: str(r.id),
    conversation_id: str(r.conversation_id) || conversationID,
    seq: num(r.seq),
    sender_id: str(r.sender_id),
    client_id: str(r.client_id),
    body: str(r.body),
    priority: r.priority === "urgent" ? "urgent" : "normal",
    ...(r.kind === "auto_reply" ? { kind: "auto_reply" as const } : {}),
    created_at: str(r.created_at),
    recalled: r.recalled === true || isSet(r.recalled_at) || isSet(r.purged_at) || r.tombstone === true,
    receipts: Array.isArray(r.receipts) ? (r.receipts as Raw[]).map(normReceipt) : [],
    attachments: Array.isArray(r.attachments) ? (r.attachments as Raw[]).map(normAttachment) : [],
  };
}

// senderLabel is who a message shows as sent by: "You", the care team for
// an auto-reply (sent by the team, not a person), or the sender's name.
export function senderLabel(m: Message, mine: boolean, userName: (id: string) => string): string {
  if (m.kind === "auto_reply") return "Care team (automatic reply)";
  return mine ? "You" : userName(m.sender_id);
}

export function normAttachment(r: Raw): Attachment {
  return { id: str(r.id), name: str(r.name), content_type: str(r.content_type), size: num(r.size) };
}

export type ReceiptKind = "delivered" | "read" | "acknowledged";

// applyReceipt records one receipt event on a message (a copy).
export function applyReceipt(m: Message, userID: string, kind: ReceiptKind, at: string): Message {
  const receipts = m.receipts.slice();
  let i = receipts.findIndex((r) => r.user_id === userID);
  if (i < 0) {
    receipts.push({ user_id: userID });
    i = receipts.length - 1;
  }
  const r = { ...receipts[i] };
  // A later state implies the earlier ones.
  if (kind === "acknowledged") r.acknowledged_at ??= at;
  if (kind === "acknowledged" || kind === "read") r.read_at ??= at;
  r.delivered_at ??= at;
  receipts[i] = r;
  return { ...m, receipts };
}

export type SendState = "sending" | "failed" | "sent" | "delivered" | "read" | "acknowledged";

export interface Status {
  state: SendState;
  label: string; // what the sender sees, e.g. "Read" or "Read by 2 of 3"
}

// messageStatus is what the sender of m sees, given the other members.
// A state counts when every other member reached it; in a group the label
// says how many did.
export function messageStatus(m: Message, others: string[]): Status {
  if (m.failed) return { state: "failed", label: "Not sent" };
  if (m.pending) return { state: "sending", label: "Sending…" };
  const n = others.length;
  const count = (f: (r: Receipt) => boolean) =>
    others.filter((u) => {
      const r = m.receipts.find((x) => x.user_id === u);
      return r ? f(r) : false;
    }).length;
  const acked = count((r) => !!r.acknowledged_at);
  const read = count((r) => !!r.read_at || !!r.acknowledged_at);
  const delivered = count((r) => !!r.delivered_at || !!r.read_at || !!r.acknowledged_at);
  const label = (word: string, k: number) => (n <= 1 || k === n ? word : `${word} by ${k} of ${n}`);
  if (m.priority === "urgent" && acked > 0) return { state: "acknowledged", label: label("Acknowledged", acked) };
  if (n > 0 && read === n) return { state: "read", label: "Read" };
  if (read > 0) return { state: "read", label: label("Read", read) };
  if (n > 0 && delivered === n) return { state: "delivered", label: "Delivered" };
  if (delivered > 0) return { state: "delivered", label: label("Delivered", delivered) };
  return { state: "sent", label: "Sent" };
}

// mergeMessages adds incoming messages to a sorted list, once each (by id,
// or by client_id for this page's own pending sends), kept in seq order.
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const out = list.slice();
  for (const m of incoming) {
    let i = out.findIndex((x) => (m.id && x.id === m.id) || (m.client_id && x.client_id === m.client_id));
    if (i >= 0) {
      const old = out[i];
      // Keep receipts the list already knew if the newcomer has none.
      out[i] = {
        ...m,
        receipts: m.receipts.length ? m.receipts : old.receipts,
        attachments: m.attachments?.length ? m.attachments : (old.attachments ?? []),
      };
    } else out.push(m);
  }
  // Pending (seq 0) stay at the end in the order they were sent.
  return out.sort((a, b) => (a.seq || Infinity) - (b.seq || Infinity));
}

// lastSeq is the highest sequence number in the list (0 when none).
export function lastSeq(list: Message[]): number {
  return list.reduce((n, m) => Math.max(n, m.seq), 0);
}

// newClientID makes the client_id of a send: a UUIDv7 (RFC 9562), which
// sorts by the millisecond it was made. The server indexes client ids
// leading with the id, and ids that grow with time are added at the end
// of that index (api/openapi.yaml); a random UUID works too, at a page of
// the index written per message.
export function newClientID(now: number = Date.now(), fill: (b: Uint8Array<ArrayBuffer>) => void = (b) => crypto.getRandomValues(b)): string {
  const b = new Uint8Array(16);
  fill(b);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // the RFC 9562 variant
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// patientRecordOf is the patient record a conversation is about, or "": its
// patient_id, unless that names a patient user who takes part (a patient's
// own conversation, which has no record to show; asking would be refused).
export function patientRecordOf(c: Pick<Conversation, "patient_id" | "members">): string {
  if (!c.patient_id || c.members.some((m) => m.user_id === c.patient_id)) return "";
  return c.patient_id;
}
