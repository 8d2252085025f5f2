import { describe, expect, it } from "vitest";
import { base64UrlToBytes, enablePush, disablePush, refreshPush, type PushEnv, type PushApi } from "./push";

function fakes(permission: string, answer = permission, existing = false) {
  const calls: string[] = [];
  let subscribed = existing;
  const sub = {
    toJSON: () => ({ endpoint: "https://fcm.googleapis.com/fcm/send/x", keys: { p256dh: "p", auth: "a" } }),
    unsubscribe: async () => {
      calls.push("unsubscribe");
      subscribed = false;
      return true;
    },
  };
  const env: PushEnv = {
    notification: {
      permission,
      requestPermission: async () => {
        calls.push("ask");
        return answer;
      },
    },
    serviceWorker: {
      register: async (url) => {
        calls.push("register " + url);
        return {
          pushManager: {
            getSubscription: async () => (subscribed ? sub : null),
            subscribe: async (o) => {
              calls.push(`subscribe ${o.userVisibleOnly} ${o.applicationServerKey.length}`);
              subscribed = true;
              return sub;
            },
          },
        };
      },
    },
  };
  const api: PushApi = {
    get: async <T>(path: string) => {
      calls.push("GET " + path);
      return { key: "B" + "A".repeat(86) } as T;
    },
    post: async <T>(path: string, body: unknown) => {
      calls.push("POST " + path + " " + JSON.stringify(body));
      return {} as T;
    },
    del: async (path: string) => {
      calls.push("DELETE " + path);
      return undefined;
    },
  };
  return { env, api, calls };
}

describe("push", () => {
  it("decodes a base64url VAPID key", () => {
    expect(Array.from(base64UrlToBytes("AQID_-8"))).toEqual([1, 2, 3, 255, 239]);
    expect(base64UrlToBytes("B" + "A".repeat(86)).length).toBe(65);
  });

  it("asks, subscribes with the VAPID key and posts the subscription", async () => {
    const { env, api, calls } = fakes("default", "granted");
    expect(await enablePush(api, env)).toBe("on");
    expect(calls).toEqual([
      "ask",
      "register /sw.js",
      "GET /api/v1/push/vapid-key",
      "subscribe true 65",
      'POST /api/v1/devices/current/push {"endpoint":"https://fcm.googleapis.com/fcm/send/x","keys":{"p256dh":"p","auth":"a"}}',
    ]);
  });

  it("posts nothing when the user says no", async () => {
    const { env, api, calls } = fakes("default", "denied");
    expect(await enablePush(api, env)).toBe("denied");
    expect(calls).toEqual(["ask"]);
  });

  it("gives a new session the existing subscription, never asking", async () => {
    const on = fakes("granted", "granted", true);
    expect(await refreshPush(on.api, on.env)).toBe(true);
    expect(on.calls.filter((c) => c === "ask")).toEqual([]);
    expect(on.calls.some((c) => c.startsWith("POST /api/v1/devices/current/push"))).toBe(true);
    const off = fakes("default");
    expect(await refreshPush(off.api, off.env)).toBe(false);
    expect(off.calls).toEqual([]);
  });

  it("drops the subscription at ward and in the browser", async () => {
    const { env, api, calls } = fakes("granted", "granted", true);
    await disablePush(api, env);
    expect(calls).toEqual(["register /sw.js", "DELETE /api/v1/devices/current/push", "unsubscribe"]);
  });
});
