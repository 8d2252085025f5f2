import { describe, expect, it } from "vitest";
import { Api } from "./api";

describe("Api", () => {
  it("marks requests the user did not cause, so the server's idle clock runs on", async () => {
    const seen: Record<string, string>[] = [];
    let requests = 0;
    const api = new Api({ csrf: () => "t", onRequest: () => requests++ }, async (_path, init) => {
      seen.push({ ...(init?.headers as Record<string, string>) });
      return new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
    });
    await api.get("/api/v1/me", { background: true });
    await api.get("/api/v1/me");
    expect(seen[0]["X-Ward-Background"]).toBe("1");
    expect(seen[1]["X-Ward-Background"]).toBeUndefined();
    expect(requests).toBe(1);
  });
});
