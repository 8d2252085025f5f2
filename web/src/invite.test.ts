import { describe, expect, it } from "vitest";
import { inviteRefusal, isEmailCode, passwordProblem } from "./invite";
import { parseRoute } from "./router";

describe("invitation links", () => {
  it("routes /invite/<token> and nothing shorter or stranger", () => {
    const t = "Abc_def-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    expect(parseRoute("/invite/" + t)).toEqual({ name: "invite", token: t });
    expect(parseRoute("/invite/" + t + "/")).toEqual({ name: "invite", token: t });
    expect(parseRoute("/invite/short")).toEqual({ name: "notfound" });
    expect(parseRoute("/invite/" + t + "%2F..")).toEqual({ name: "notfound" });
  });
  it("says what each refusal means", () => {
    expect(inviteRefusal("invitation_expired")).toMatch(/expired/);
    expect(inviteRefusal("invitation_used")).toMatch(/already used/);
    expect(inviteRefusal("email_code_required")).toMatch(/code/);
    expect(inviteRefusal("invalid_input")).toBe("");
  });
  it("checks the email code and the password before asking", () => {
    expect(isEmailCode("123 456")).toBe(true);
    expect(isEmailCode("12345")).toBe(false);
    expect(isEmailCode("12345a")).toBe(false);
    expect(passwordProblem("short", "short")).toMatch(/at least 12/);
    expect(passwordProblem("a long enough passphrase", "a long enough passphrase!")).toMatch(/not the same/);
    expect(passwordProblem("a long enough passphrase", "a long enough passphrase")).toBe("");
  });
});
