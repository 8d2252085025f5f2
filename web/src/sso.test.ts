import { describe, expect, it } from "vitest";
import { formatRoleMap, parseRoleMap, signInLink, ssoReturn } from "./sso";

describe("role map", () => {
  it("reads group = role lines, group names with spaces and =", () => {
    expect(parseRoleMap("ward clinicians = clinician\n\n a=b = Admin ")).toEqual({ "ward clinicians": "clinician", "a=b": "admin" });
  });
  it("refuses owner and lines without a role", () => {
    expect(typeof parseRoleMap("it = owner")).toBe("string");
    expect(typeof parseRoleMap("just a group")).toBe("string");
  });
  it("formats sorted, and reads back what it wrote", () => {
    const m = { zed: "staff", alpha: "admin" };
    expect(formatRoleMap(m)).toBe("alpha = admin\nzed = staff");
    expect(parseRoleMap(formatRoleMap(m))).toEqual(m);
  });
});

describe("the callback's redirect", () => {
  it("finishes on sso=1", () => expect(ssoReturn("?sso=1")).toEqual({ finish: true, error: "" }));
  it("explains a known error and a strange one", () => {
    expect(ssoReturn("?sso_error=account_disabled").error).toMatch(/disabled/);
    expect(ssoReturn("?sso_error=%3Cscript%3E").error).toMatch(/failed/);
  });
  it("does nothing on a plain visit", () => expect(ssoReturn("")).toEqual({ finish: false, error: "" }));
});

describe("the sign-in link admins hand out", () => {
  it("is ward's origin with the org's slug", () =>
    expect(signInLink("https://ward.example.org/api/v1/sso/callback", "st-mary's")).toBe("https://ward.example.org/?org=st-mary's"));
  it("keeps a port", () =>
    expect(signInLink("https://127.0.0.1:8443/api/v1/sso/callback", "demo-clinic")).toBe("https://127.0.0.1:8443/?org=demo-clinic"));
});
