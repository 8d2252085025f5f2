import { describe, expect, it } from "vitest";
import { b64urlToBytes, bytesToB64url, creationOptions, credentialJSON, requestOptions } from "./webauthn";

const bytes = (...n: number[]) => new Uint8Array(n);

describe("base64url", () => {
  it("round-trips every length and byte", () => {
    for (let n = 0; n < 70; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (i * 37 + n) & 0xff;
      const s = bytesToB64url(b);
      expect(s).not.toMatch(/[+/=]/);
      expect(Array.from(b64urlToBytes(s))).toEqual(Array.from(b));
    }
  });
  it("matches RFC 4648 vectors with the URL alphabet", () => {
    expect(bytesToB64url(new TextEncoder().encode("foobar"))).toBe("Zm9vYmFy");
    expect(bytesToB64url(new TextEncoder().encode("fo"))).toBe("Zm8");
    expect(bytesToB64url(bytes(0xfb, 0xff))).toBe("-_8");
    expect(Array.from(b64urlToBytes("-_8"))).toEqual([0xfb, 0xff]);
    expect(Array.from(b64urlToBytes("-_8="))).toEqual([0xfb, 0xff]); // padding tolerated
  });
  it("takes views and buffers", () => {
    const big = bytes(9, 1, 2, 3, 9);
    expect(bytesToB64url(big.subarray(1, 4))).toBe(bytesToB64url(bytes(1, 2, 3)));
    expect(bytesToB64url(bytes(1, 2, 3).buffer)).toBe("AQID");
  });
  it("refuses what is not base64url", () => {
    expect(() => b64urlToBytes("a+b/")).toThrow();
    expect(() => b64urlToBytes("abcde")).toThrow();
  });
});

describe("options", () => {
  it("decodes creation options (wrapped in publicKey)", () => {
    const o = creationOptions({
      publicKey: {
        rp: { id: "localhost", name: "ward" },
        user: { id: "AQID", name: "a@b", displayName: "A" },
        challenge: "BAUG",
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        excludeCredentials: [{ type: "public-key", id: "Bwg", transports: ["internal"] }],
      },
    });
    expect(Array.from(o.challenge as Uint8Array)).toEqual([4, 5, 6]);
    expect(Array.from(o.user.id as Uint8Array)).toEqual([1, 2, 3]);
    expect(Array.from(o.excludeCredentials![0].id as Uint8Array)).toEqual([7, 8]);
    expect(o.excludeCredentials![0].transports).toEqual(["internal"]);
    expect(o.rp.id).toBe("localhost");
  });
  it("decodes request options (bare)", () => {
    const o = requestOptions({ challenge: "AQ", rpId: "localhost", allowCredentials: [{ type: "public-key", id: "Ag" }] });
    expect(Array.from(o.challenge as Uint8Array)).toEqual([1]);
    expect(Array.from(o.allowCredentials![0].id as Uint8Array)).toEqual([2]);
    expect(requestOptions({ challenge: "AQ" }).allowCredentials).toBeUndefined();
  });
});

describe("credentialJSON", () => {
  it("encodes an attestation", () => {
    const j = credentialJSON({
      id: "Bwg",
      rawId: bytes(7, 8).buffer,
      type: "public-key",
      authenticatorAttachment: "platform",
      response: { clientDataJSON: bytes(1).buffer, attestationObject: bytes(2).buffer, getTransports: () => ["internal"] },
      getClientExtensionResults: () => ({}),
    });
    expect(j).toEqual({
      id: "Bwg",
      rawId: "Bwg",
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: { clientDataJSON: "AQ", attestationObject: "Ag", transports: ["internal"] },
    });
  });
  it("encodes an assertion", () => {
    const j = credentialJSON({
      id: "Bwg",
      rawId: bytes(7, 8).buffer,
      type: "public-key",
      response: { clientDataJSON: bytes(1).buffer, authenticatorData: bytes(3).buffer, signature: bytes(4).buffer, userHandle: bytes(5).buffer },
    });
    expect(j.response).toEqual({ clientDataJSON: "AQ", authenticatorData: "Aw", signature: "BA", userHandle: "BQ" });
  });
});
