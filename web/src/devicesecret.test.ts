import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { deviceSecretDB, maxOtherSecrets, memorySecretStore, secretKey, withDeviceSecret } from "./devicesecret";
import { browserWipeEnv, wipeLocalData, type IDBFactoryLike } from "./wipe";

describe("device secret", () => {
  it("is kept from the first sign-in and sent with the next", async () => {
    const store = memorySecretStore();
    const key = secretKey(" Nina@StMary.example ", undefined, "dev-1234");
    const sent: (string | undefined)[] = [];
    const ans = await withDeviceSecret(store, key, async (secret) => {
      sent.push(secret);
      return { device_secret: "ward_d_first" };
    });
    expect(ans.device_secret).toBe("ward_d_first");
    await withDeviceSecret(store, secretKey("nina@stmary.example", "", "dev-1234"), async (secret) => {
      sent.push(secret);
      return {};
    });
    expect(sent).toEqual([undefined, "ward_d_first"]);
    expect(store.m.get(key)).toBe("ward_d_first"); // an answer without a secret keeps the one kept
  });

  it("is kept when the new device waits for approval", async () => {
    const store = memorySecretStore();
    const key = secretKey("nina@stmary.example", "st-mary", "dev-1234");
    await expect(
      withDeviceSecret(store, key, async () => {
        throw new ApiError(403, "device_pending", "waits", undefined, "ward_d_pending");
      }),
    ).rejects.toMatchObject({ code: "device_pending" });
    let sent: string | undefined;
    await withDeviceSecret(store, key, async (secret) => {
      sent = secret;
      return {};
    });
    expect(sent).toBe("ward_d_pending");
  });

  it("is one per account and org on a device", () => {
    expect(secretKey("a@x.org", undefined, "d")).not.toBe(secretKey("b@x.org", undefined, "d"));
    expect(secretKey("a@x.org", "one", "d")).not.toBe(secretKey("a@x.org", "two", "d"));
  });

  it("is erased by a wipe, even where indexedDB.databases() is missing", async () => {
    const dbs = new Set([deviceSecretDB]);
    const idb: IDBFactoryLike = {
      deleteDatabase(name: string) {
        const req = { onsuccess: null, onerror: null, onblocked: null } as ReturnType<IDBFactoryLike["deleteDatabase"]>;
        queueMicrotask(() => {
          dbs.delete(name);
          req.onsuccess?.({});
        });
        return req;
      },
    };
    const env = { ...browserWipeEnv(), indexedDB: idb };
    expect(env.knownDatabases).toContain(deviceSecretDB);
    const r = await wipeLocalData({ indexedDB: idb, knownDatabases: env.knownDatabases });
    expect(r.databases).toContain(deviceSecretDB);
    expect(dbs.size).toBe(0);
  });
});

describe("device secret after an email change", () => {
  it("sends the secrets kept for the device under other sign-ins, and keeps the one handed back", async () => {
    const store = memorySecretStore();
    const oldKey = secretKey("nina@stmary.example", undefined, "dev-1234");
    await store.put(oldKey, "ward_d_old");
    await store.put(secretKey("sam@stmary.example", undefined, "dev-1234"), "ward_d_sam");
    await store.put(secretKey("nina@stmary.example", undefined, "dev-9999"), "ward_d_elsewhere");
    for (let i = 0; i < 12; i++) await store.put(secretKey(`n${i}@x.org`, "o", "dev-1234"), `ward_d_${i}`);
    const newKey = secretKey("nina.new@stmary.example", undefined, "dev-1234");
    let sent: { secret?: string; others: string[] } = { others: [] };
    await withDeviceSecret(store, newKey, async (secret, others) => {
      sent = { secret, others };
      return { device_secret: "ward_d_old" };
    });
    expect(sent.secret).toBeUndefined();
    expect(sent.others).toContain("ward_d_old");
    expect(sent.others).toContain("ward_d_sam");
    expect(sent.others).not.toContain("ward_d_elsewhere"); // another device id's
    expect(sent.others.length).toBe(maxOtherSecrets);
    expect(store.m.get(newKey)).toBe("ward_d_old");
    // From then on the secret is this sign-in's own, and not among the others.
    await withDeviceSecret(store, newKey, async (secret, others) => {
      sent = { secret, others };
      return {};
    });
    expect(sent.secret).toBe("ward_d_old");
    expect(sent.others).not.toContain("ward_d_old");
  });
});
