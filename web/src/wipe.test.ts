import { describe, expect, it } from "vitest";
import { wipeLocalData, type IDBFactoryLike } from "./wipe";

class FakeStorage {
  m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  clear() {
    this.m.clear();
  }
}

function fakeIDB(names: string[], failing: string[] = []) {
  const dbs = new Set(names);
  const idb: IDBFactoryLike & { dbs: Set<string> } = {
    dbs,
    databases: async () => [...dbs].map((name) => ({ name })),
    deleteDatabase(name: string) {
      const req = { onsuccess: null, onerror: null, onblocked: null } as {
        onsuccess: ((e: unknown) => void) | null;
        onerror: ((e: unknown) => void) | null;
        onblocked: ((e: unknown) => void) | null;
      };
      queueMicrotask(() => {
        if (failing.includes(name)) req.onerror?.({});
        else {
          dbs.delete(name);
          req.onsuccess?.({});
        }
      });
      return req;
    },
  };
  return idb;
}

describe("wipeLocalData", () => {
  it("erases storage, databases, caches, service workers and cookies", async () => {
    const ls = new FakeStorage();
    ls.setItem("ward.device", "{}");
    ls.setItem("ward.csrf", "x");
    const ss = new FakeStorage();
    ss.setItem("a", "b");
    const idb = fakeIDB(["ward", "other"]);
    const cacheNames = new Set(["v1", "v2"]);
    let unregistered = 0;
    const jar = {
      set: [] as string[],
      get cookie() {
        return "a=1; b=2";
      },
      set cookie(v: string) {
        this.set.push(v);
      },
    };
    const r = await wipeLocalData({
      localStorage: ls,
      sessionStorage: ss,
      indexedDB: idb,
      caches: { keys: async () => [...cacheNames], delete: async (k) => cacheNames.delete(k) },
      serviceWorker: {
        getRegistrations: async () => [
          {
            unregister: async () => {
              unregistered++;
              return true;
            },
          },
        ],
      },
      cookies: jar,
    });
    expect(r.errors).toEqual([]);
    expect(ls.length).toBe(0);
    expect(ss.length).toBe(0);
    expect(idb.dbs.size).toBe(0);
    expect(r.databases.sort()).toEqual(["other", "ward"]);
    expect(cacheNames.size).toBe(0);
    expect(unregistered).toBe(1);
    expect(r.serviceWorkers).toBe(1);
    expect(jar.set).toEqual([
      "a=; Max-Age=0; Path=/; Secure; SameSite=Strict",
      "b=; Max-Age=0; Path=/; Secure; SameSite=Strict",
    ]);
  });

  it("keeps going when a step fails, and says so", async () => {
    const ls = new FakeStorage();
    ls.setItem("k", "v");
    const idb = fakeIDB(["a", "bad", "c"], ["bad"]);
    const r = await wipeLocalData({
      sessionStorage: {
        length: 1,
        clear() {
          throw new Error("denied");
        },
      },
      localStorage: ls,
      indexedDB: idb,
      caches: {
        keys: async () => {
          throw new Error("no caches");
        },
        delete: async () => true,
      },
    });
    expect(ls.length).toBe(0);
    expect([...idb.dbs]).toEqual(["bad"]);
    expect(r.errors).toEqual([
      "sessionStorage: denied",
      "indexedDB bad: could not delete database bad",
      "caches: no caches",
    ]);
  });

  it("deletes known databases where databases() is missing", async () => {
    const idb = fakeIDB(["ward"]);
    delete idb.databases;
    const r = await wipeLocalData({ indexedDB: idb, knownDatabases: ["ward"] });
    expect(r.databases).toEqual(["ward"]);
    expect(idb.dbs.size).toBe(0);
  });

  it("works with nothing to wipe", async () => {
    const r = await wipeLocalData({});
    expect(r.errors).toEqual([]);
  });
});
