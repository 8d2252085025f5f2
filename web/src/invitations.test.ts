import { describe, expect, it } from "vitest";
import qrcode from "qrcode-generator";
import { ApiError } from "./api";
import { canChange, inviteProblem, qrPath, type Invitation } from "./invitations";

const inv = (status: Invitation["status"]): Invitation => ({
  id: "i",
  patient_id: "p",
  channel: "link",
  status,
  created_by: "u",
  created_at: "",
  expires_at: "",
});

describe("staff invitations", () => {
  it("resends or revokes only pending and expired ones", () => {
    expect(canChange(inv("pending"))).toBe(true);
    expect(canChange(inv("expired"))).toBe(true);
    expect(canChange(inv("accepted"))).toBe(false);
    expect(canChange(inv("revoked"))).toBe(false);
  });

  it("says clearly when ward sends no email", () => {
    expect(inviteProblem(new ApiError(503, "unavailable", "x"))).toMatch(/--smtp/);
    expect(inviteProblem(new ApiError(409, "account_exists", "x"))).toMatch(/already has an account/);
    expect(inviteProblem(new ApiError(400, "invalid_input", "no email on the record"))).toBe("no email on the record");
  });

  it("draws the link's QR code module for module", () => {
    const text = "https://ward.example/invite/abcDEF123";
    const { size, d } = qrPath(text);
    const q = qrcode(0, "M");
    q.addData(text, "Byte");
    q.make();
    const n = q.getModuleCount();
    expect(size).toBe(n + 8);
    // Rebuild the grid from the path and compare with the encoder's.
    const dark = new Set<string>();
    for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
      const [x, y, run] = [Number(m[1]) - 4, Number(m[2]) - 4, Number(m[3])];
      for (let i = 0; i < run; i++) dark.add(`${y},${x + i}`);
    }
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(dark.has(`${r},${c}`)).toBe(q.isDark(r, c));
  });
});
