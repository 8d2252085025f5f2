import { describe, expect, it } from "vitest";
import { applyReceipt, lastSeq, mergeMessages, messageStatus, newClientID, normMessage, senderLabel, type Message } from "./messaging";
import { deviceIdentity, deviceName } from "./device";
import { parseRoute } from "./router";

const msg = (p: Partial<Message>): Message => ({
  id: "m1",
  conversation_id: "c",
  seq: 1,
  sender_id: "me",
  client_id: "k1",
  body: "hi",
  attachments: [],
  priority: "normal",
  created_at: "",
  recalled: false,
  receipts: [],
  ...p,
});

describe("messageStatus", () => {
  it("walks sent → delivered → read → acknowledged", () => {
    let m = msg({ priority: "urgent" });
    expect(messageStatus(m, ["b"]).state).toBe("sent");
    m = applyReceipt(m, "b", "delivered", "t1");
    expect(messageStatus(m, ["b"])).toEqual({ state: "delivered", label: "Delivered" });
    m = applyReceipt(m, "b", "read", "t2");
    expect(messageStatus(m, ["b"])).toEqual({ state: "read", label: "Read" });
    m = applyReceipt(m, "b", "acknowledged", "t3");
    expect(messageStatus(m, ["b"])).toEqual({ state: "acknowledged", label: "Acknowledged" });
  });
  it("counts in groups", () => {
    const m = applyReceipt(msg({}), "b", "read", "t");
    expect(messageStatus(m, ["b", "c", "d"]).label).toBe("Read by 1 of 3");
  });
  it("shows pending and failed sends", () => {
    expect(messageStatus(msg({ pending: true }), ["b"]).label).toBe("Sending…");
    expect(messageStatus(msg({ failed: "x" }), ["b"]).state).toBe("failed");
  });
  it("an acknowledgement implies read and delivered", () => {
    const m = applyReceipt(msg({}), "b", "acknowledged", "t");
    expect(m.receipts[0]).toEqual({ user_id: "b", delivered_at: "t", read_at: "t", acknowledged_at: "t" });
  });
});

describe("mergeMessages", () => {
  it("dedupes by id and client_id and keeps seq order", () => {
    const pending = msg({ id: "", seq: 0, client_id: "k9", pending: true });
    let list = mergeMessages([msg({ id: "a", seq: 2, client_id: "ka" })], [pending, msg({ id: "b", seq: 1, client_id: "kb" })]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 0]);
    list = mergeMessages(list, [msg({ id: "n", seq: 3, client_id: "k9" })]);
    expect(list.map((m) => m.id)).toEqual(["b", "a", "n"]);
    list = mergeMessages(list, [msg({ id: "a", seq: 2, client_id: "ka" })]);
    expect(list).toHaveLength(3);
    expect(lastSeq(list)).toBe(3);
  });
});

describe("normMessage", () => {
  it("reads the API's shape", () => {
    const m = normMessage({
      id: "x",
      seq: 4,
      sender_id: "s",
      body: "b",
      priority: "urgent",
      recalled_at: "2026-01-01T00:00:00Z",
      receipts: [{ user_id: "u", read_at: "2026-01-01T00:00:00Z", delivered_at: "0001-01-01T00:00:00Z" }],
    }, "c");
    expect(m.conversation_id).toBe("c");
    expect(m.recalled).toBe(true);
    expect(m.priority).toBe("urgent");
    expect(m.receipts[0].delivered_at).toBeUndefined();
    expect(m.receipts[0].read_at).toBe("2026-01-01T00:00:00Z");
  });
});

describe("device identity", () => {
  it("is made once and kept", () => {
    const m = new Map<string, string>();
    const kv = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    let n = 0;
    const a = deviceIdentity(kv, "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0", () => `id-${++n}-0000`);
    const b = deviceIdentity(kv, "whatever", () => `id-${++n}-0000`);
    expect(a).toEqual({ id: "id-1-0000", name: "Chrome on Linux" });
    expect(b).toEqual(a);
  });
  it("names common browsers", () => {
    expect(deviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit Safari/604.1")).toBe("Safari on iOS");
    expect(deviceName("Mozilla/5.0 (Windows NT 10.0) Gecko Firefox/130.0")).toBe("Firefox on Windows");
  });
});

describe("parseRoute", () => {
  it("maps paths to screens", () => {
    expect(parseRoute("/")).toEqual({ name: "home" });
    expect(parseRoute("/c/0190abcd-ef")).toEqual({ name: "conversation", id: "0190abcd-ef" });
    expect(parseRoute("/admin/devices/")).toEqual({ name: "admin-devices" });
    expect(parseRoute("/c/../../x")).toEqual({ name: "notfound" });
  });
});

describe("newClientID", () => {
  it("makes UUIDv7s that sort by the time they were made", () => {
    const zeros = (b: Uint8Array) => b.fill(0);
    const ones = (b: Uint8Array) => b.fill(0xff);
    const id = newClientID(0x0190_1234_5678, zeros);
    expect(id).toBe("01901234-5678-7000-8000-000000000000");
    expect(newClientID(0x0190_1234_5678, ones)).toBe("01901234-5678-7fff-bfff-ffffffffffff");
    expect(newClientID(0x0190_1234_5678, ones) < newClientID(0x0190_1234_5679, zeros)).toBe(true);
    expect(newClientID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newClientID()).not.toBe(newClientID());
  });
});

describe("auto-replies", () => {
  it("reads the kind and shows the care team as the sender", () => {
    const m = normMessage({ id: "a1", seq: 3, sender_id: "team-1", client_id: "auto_reply-x", body: "Closed.", kind: "auto_reply" }, "c");
    expect(m.kind).toBe("auto_reply");
    expect(senderLabel(m, false, () => "Unknown user")).toBe("Care team (automatic reply)");
    const n = normMessage({ id: "a2", sender_id: "u-2", kind: "something else" }, "c");
    expect(n.kind).toBeUndefined();
    expect(senderLabel(n, false, (id) => "name of " + id)).toBe("name of u-2");
    expect(senderLabel(n, true, () => "x")).toBe("You");
  });
});
