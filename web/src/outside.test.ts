import { describe, expect, it } from "vitest";
import { canMessage, canWriteOutside, isExternal, type Me } from "./api";
import {
  emailProblem,
  guestClinic,
  guestScreen,
  guestThreadTitle,
  guestSignedOut,
  isGuest,
  latestByConversation,
  mergeOutside,
  linkRefusal,
  outsideEndpoints,
  sendRefusal,
  statusLine,
  type OutsideMessage,
} from "./outside";
import { navItems } from "./portal";
import { parseRoute } from "./router";

const msg = (p: Partial<OutsideMessage>): OutsideMessage => ({
  id: "o1",
  conversation_id: "c1",
  message_id: "m1",
  guest_id: "g1",
  status: "sent",
  created_at: "2026-01-01T10:00:00Z",
  expires_at: "2026-01-04T10:00:00Z",
  ...p,
});
const fmt = (iso: string) => iso.slice(0, 10);

describe("secure messages to outside addresses", () => {
  it("routes the link page and the staff form", () => {
    const t = "Abc_def-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    expect(parseRoute("/outside/" + t)).toEqual({ name: "outside", token: t });
    expect(parseRoute("/outside/" + t + "/")).toEqual({ name: "outside", token: t });
    expect(parseRoute("/outside/short")).toEqual({ name: "notfound" });
    expect(parseRoute("/outside/" + t + "%2F..")).toEqual({ name: "notfound" });
    expect(parseRoute("/new/outside")).toEqual({ name: "outside-new" });
  });
  it("escapes the token and the conversation id in the endpoints", () => {
    expect(outsideEndpoints.link("a/b")).toBe("/api/v1/outside/a%2Fb");
    expect(outsideEndpoints.open("tok")).toBe("/api/v1/outside/tok/open");
    expect(outsideEndpoints.code("tok")).toBe("/api/v1/outside/tok/email-code");
    expect(outsideEndpoints.ofConversation("c&d")).toBe("/api/v1/outside-messages?conversation_id=c%26d");
  });
  it("keeps each thread's latest message of a newest-first list", () => {
    const got = latestByConversation([
      msg({ id: "new", status: "sent" }),
      msg({ id: "old", status: "replied" }),
      msg({ id: "other", conversation_id: "c2", status: "opened" }),
    ]);
    expect(Object.keys(got).sort()).toEqual(["c1", "c2"]);
    expect(got.c1.id).toBe("new");
    expect(got.c2.status).toBe("opened");
  });
  it("lets no late answer undo a newer one", () => {
    const opened = msg({ id: "0190-a", status: "opened" });
    const fresh = msg({ id: "0190-b", status: "sent" });
    // A listing that left before the new link: the new link stays.
    expect(mergeOutside({ c1: fresh }, { c1: opened }).c1).toBe(fresh);
    // The new link replaces an older one, whatever their statuses.
    expect(mergeOutside({ c1: msg({ id: "0190-a", status: "replied" }) }, { c1: fresh }).c1).toBe(fresh);
    // The same link only moves forward.
    expect(mergeOutside({ c1: opened }, { c1: msg({ id: "0190-a", status: "sent" }) }).c1).toBe(opened);
    const replied = msg({ id: "0190-a", status: "replied" });
    expect(mergeOutside({ c1: opened }, { c1: replied }).c1).toBe(replied);
    // Other threads are kept, new ones added.
    const other = msg({ id: "0190-c", conversation_id: "c2" });
    expect(Object.keys(mergeOutside({ c1: opened }, { c2: other })).sort()).toEqual(["c1", "c2"]);
  });
  it("tells the sender what the recipient did and until when", () => {
    const before = new Date("2026-01-02T00:00:00Z");
    const after = new Date("2026-01-05T00:00:00Z");
    expect(statusLine(msg({}), before, fmt)).toBe("Sent · link works until 2026-01-04");
    expect(statusLine(msg({}), after, fmt)).toBe("Sent · the link expired unopened 2026-01-04");
    expect(statusLine(msg({ status: "opened" }), before, fmt)).toBe("Opened · access until 2026-01-04");
    expect(statusLine(msg({ status: "opened" }), after, fmt)).toBe("Opened · access ended 2026-01-04");
    expect(statusLine(msg({ status: "replied" }), after, fmt)).toBe("Replied");
  });
  it("says what each refusal means, or leaves the server's message", () => {
    expect(sendRefusal("account_exists")).toMatch(/ward account/);
    expect(sendRefusal("unavailable")).toMatch(/Email is not set up/);
    expect(sendRefusal("not_found")).toMatch(/not one of your outside threads/);
    expect(sendRefusal("invalid_input")).toBe(""); // the server names the field
    expect(sendRefusal("something_new")).toBe("");
    expect(linkRefusal("link_used")).toMatch(/already used/);
    expect(linkRefusal("link_expired")).toMatch(/expired/);
    expect(linkRefusal("email_code_required")).toMatch(/6-digit code/);
    expect(linkRefusal("not_found")).toMatch(/not valid/);
    expect(linkRefusal("invalid_input")).toBe("");
  });
  it("checks the address before asking", () => {
    expect(emailProblem("")).toMatch(/Enter/);
    expect(emailProblem("  ")).toMatch(/Enter/);
    expect(emailProblem("dr.who")).toMatch(/does not look/);
    expect(emailProblem("dr who@x.example")).toMatch(/does not look/);
    expect(emailProblem(" Dr.Who@Referrer.example ")).toBe("");
  });
  it("shows a guest their threads and nothing else", () => {
    expect(isGuest("guest")).toBe(true);
    expect(isGuest("patient")).toBe(false);
    expect(isExternal("guest") && isExternal("patient") && !isExternal("staff")).toBe(true);
    expect(canMessage("guest")).toBe(true);
    expect(canWriteOutside("guest") || canWriteOutside("patient") || canWriteOutside("admin")).toBe(false);
    expect(canWriteOutside("clinician") && canWriteOutside("staff")).toBe(true);
    expect(navItems("guest")).toEqual(["messages"]);
    expect(guestScreen(parseRoute("/"))).toBe("home");
    expect(guestScreen(parseRoute("/c/abc123"))).toBe("conversation");
    for (const p of ["/new", "/new/outside", "/account", "/inbox", "/patients", "/admin", "/audit", "/nope"]) {
      expect(guestScreen(parseRoute(p))).toBe("notfound");
    }
  });
  it("tells a signed-out guest how to come back", () => {
    expect(guestSignedOut("You signed out.")).toMatch(/^You signed out\. .*newest email/);
  });
});

describe("a guest's clinic", () => {
  const me = (name?: string) =>
    ({ user: { role: "guest" }, org: name === undefined ? undefined : { id: "o", slug: "s", name } }) as unknown as Me;
  it("comes from the link, or after a reload from /api/v1/me", () => {
    expect(guestClinic("St Mary", me("Other"))).toBe("St Mary");
    expect(guestClinic("", me("St Mary"))).toBe("St Mary");
    expect(guestClinic("", me())).toBe("");
    expect(guestClinic("", null)).toBe("");
  });
  it("titles the guest's thread", () => {
    expect(guestThreadTitle(guestClinic("", me("St Mary")))).toBe("Secure message from St Mary");
    expect(guestThreadTitle("")).toBe("Secure message");
  });
});
