import { describe, expect, it } from "vitest";
import {
  canManageHolds,
  canReadHolds,
  canSeeRetention,
  describeScope,
  emptyHoldDraft,
  holdRequest,
  retentionSetting,
  sortHolds,
  type LegalHold,
} from "./holds";

describe("holdRequest", () => {
  it("refuses an empty scope, as the server does (hold_scope_empty)", () => {
    expect(holdRequest({ ...emptyHoldDraft, matter: "Doe v. St Mary" }).error).toMatch(/Choose what to hold/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "M", user_id: "   " }).error).toMatch(/Choose what to hold/);
  });
  it("needs a matter of at most 200 characters without control characters", () => {
    expect(holdRequest({ ...emptyHoldDraft, conversation_id: "c1" }).error).toMatch(/Name the matter/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "m".repeat(201), conversation_id: "c1" }).error).toMatch(/at most 200/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "a\u0007b", conversation_id: "c1" }).error).toMatch(/control/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "é".repeat(200), conversation_id: "c1" }).body?.matter).toHaveLength(200);
  });
  it("sends only what is set, trimmed, with the to day included", () => {
    const r = holdRequest({ ...emptyHoldDraft, matter: "  Smith  ", user_id: " u1 ", from: "2026-11-01", to: "2026-11-30" });
    expect(r).toEqual({ body: { matter: "Smith", user_id: "u1", from: "2026-11-01T00:00:00.000Z", to: "2026-12-01T00:00:00.000Z" } });
  });
  it("takes a date range alone as a scope, and checks it", () => {
    expect(holdRequest({ ...emptyHoldDraft, matter: "M", from: "2026-11-01" }).body).toEqual({ matter: "M", from: "2026-11-01T00:00:00.000Z" });
    expect(holdRequest({ ...emptyHoldDraft, matter: "M", from: "2026-11-02", to: "2026-11-01" }).error).toMatch(/starts after/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "M", from: "2026-02-30" }).error).toMatch(/YYYY-MM-DD/);
    expect(holdRequest({ ...emptyHoldDraft, matter: "M", from: "2026-11-01", to: "2026-11-01" }).body?.to).toBe("2026-11-02T00:00:00.000Z");
  });
});

const hold = (over: Partial<LegalHold>): LegalHold => ({
  id: "h", matter: "M", placed_by: "u", created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-01T00:00:00Z", ...over,
});

describe("describeScope and sortHolds", () => {
  it("names each part of the scope, the to day included", () => {
    const h = hold({ user_id: "u1", conversation_id: "c1", from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z" });
    expect(describeScope(h, (id) => (id === "u1" ? "Dr Shah" : id))).toBe("user Dr Shah, conversation c1, 2026-11-01 to 2026-11-30");
    expect(describeScope(hold({ patient_id: "p1", to: "2026-12-01T00:00:00Z" }))).toBe("patient p1, the beginning to 2026-11-30");
    expect(describeScope(hold({ from: "2026-11-01T00:00:00Z" }))).toBe("2026-11-01 to now");
  });
  it("lists active holds first, newest first", () => {
    const a = hold({ id: "a", created_at: "2026-11-01T00:00:00Z" });
    const b = hold({ id: "b", created_at: "2026-11-03T00:00:00Z", released_at: "2026-11-04T00:00:00Z" });
    const c = hold({ id: "c", created_at: "2026-11-02T00:00:00Z" });
    expect(sortHolds([a, b, c]).map((h) => h.id)).toEqual(["c", "a", "b"]);
  });
});

describe("roles and settings", () => {
  it("follows the authz table", () => {
    expect(canManageHolds("compliance")).toBe(true);
    for (const r of ["owner", "admin", "clinician", "staff", "patient", "guest"] as const) expect(canManageHolds(r)).toBe(false);
    expect(canReadHolds("owner")).toBe(true);
    expect(canReadHolds("admin")).toBe(false);
    expect(canSeeRetention("admin")).toBe(true);
    expect(canSeeRetention("clinician")).toBe(false);
  });
  it("says a policy's setting in words", () => {
    expect(retentionSetting({ name: "audit_retention", setting: 189216000, due_now: 0, held: 0 })).toBe("6 years");
    expect(retentionSetting({ name: "message_lifespan", setting: 86400, due_now: 0, held: 0 })).toBe("1 day");
    expect(retentionSetting({ name: "message_lifespan", setting: 7200, due_now: 0, held: 0 })).toBe("2 hours");
    expect(retentionSetting({ name: "patient_retention", setting: 0, due_now: 0, held: 0 })).toBe("kept forever");
    expect(retentionSetting({ name: "message_lifespan", setting: 0, due_now: 0, held: 0, conversations_with_own_lifespan: 2 })).toMatch(/own lifespan/);
  });
});
