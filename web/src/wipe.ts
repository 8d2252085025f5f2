import { deviceSecretDB } from "./devicesecret";

// wipeLocalData erases everything this origin keeps in the browser: Web
// Storage, every IndexedDB database (the device secret's among them, named
// even where indexedDB.databases() is missing), Cache Storage and service workers, and
// the cookies script can reach (the session cookie is HttpOnly: the server
// clears it when the wipe is confirmed). Every step runs even when an
// earlier one fails; the report says what was erased and what failed.
// The environment is passed in so tests can use fakes.

export interface ClearableStorage {
  readonly length: number;
  clear(): void;
}

export interface IDBFactoryLike {
  databases?: () => Promise<{ name?: string }[]>;
  deleteDatabase(name: string): {
    onsuccess: ((ev: unknown) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    onblocked: ((ev: unknown) => void) | null;
  };
}

export interface CacheStorageLike {
  keys(): Promise<string[]>;
  delete(name: string): Promise<boolean>;
}

export interface ServiceWorkerContainerLike {
  getRegistrations(): Promise<readonly { unregister(): Promise<boolean> }[]>;
}

export interface CookieJarLike {
  cookie: string;
}

export interface WipeEnv {
  localStorage?: ClearableStorage;
  sessionStorage?: ClearableStorage;
  indexedDB?: IDBFactoryLike;
  caches?: CacheStorageLike;
  serviceWorker?: ServiceWorkerContainerLike;
  cookies?: CookieJarLike;
  // knownDatabases are deleted even where indexedDB.databases() is missing.
  knownDatabases?: string[];
}

export interface WipeReport {
  localStorage: boolean;
  sessionStorage: boolean;
  databases: string[];
  caches: string[];
  serviceWorkers: number;
  cookies: number;
  errors: string[];
}

function deleteDB(idb: IDBFactoryLike, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = idb.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(new Error(`could not delete database ${name}`));
    // Blocked: another tab holds it open; the delete completes when it
    // closes. Do not wait for that.
    req.onblocked = () => resolve();
  });
}

export async function wipeLocalData(env: WipeEnv): Promise<WipeReport> {
  const r: WipeReport = {
    localStorage: false,
    sessionStorage: false,
    databases: [],
    caches: [],
    serviceWorkers: 0,
    cookies: 0,
    errors: [],
  };
  const step = async (what: string, fn: () => Promise<void> | void) => {
    try {
      await fn();
    } catch (e) {
      r.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  await step("localStorage", () => {
    if (!env.localStorage) return;
    env.localStorage.clear();
    r.localStorage = env.localStorage.length === 0;
  });
  await step("sessionStorage", () => {
    if (!env.sessionStorage) return;
    env.sessionStorage.clear();
    r.sessionStorage = env.sessionStorage.length === 0;
  });
  await step("indexedDB", async () => {
    const idb = env.indexedDB;
    if (!idb) return;
    const names = new Set(env.knownDatabases ?? []);
    if (idb.databases) {
      for (const d of await idb.databases()) if (d.name) names.add(d.name);
    }
    for (const n of names) {
      await step(`indexedDB ${n}`, async () => {
        await deleteDB(idb, n);
        r.databases.push(n);
      });
    }
  });
  await step("caches", async () => {
    if (!env.caches) return;
    for (const k of await env.caches.keys()) {
      await step(`cache ${k}`, async () => {
        await env.caches!.delete(k);
        r.caches.push(k);
      });
    }
  });
  await step("serviceWorker", async () => {
    if (!env.serviceWorker) return;
    for (const reg of await env.serviceWorker.getRegistrations()) {
      await step("serviceWorker unregister", async () => {
        if (await reg.unregister()) r.serviceWorkers++;
      });
    }
  });
  await step("cookies", () => {
    const jar = env.cookies;
    if (!jar) return;
    for (const c of jar.cookie.split(";")) {
      const name = c.split("=")[0].trim();
      if (!name) continue;
      jar.cookie = `${name}=; Max-Age=0; Path=/; Secure; SameSite=Strict`;
      r.cookies++;
    }
  });
  return r;
}

// browserWipeEnv is the real browser's storage.
export function browserWipeEnv(): WipeEnv {
  const g = globalThis as unknown as {
    localStorage?: Storage;
    sessionStorage?: Storage;
    indexedDB?: IDBFactory;
    caches?: CacheStorage;
    navigator?: Navigator;
    document?: Document;
  };
  return {
    localStorage: g.localStorage,
    sessionStorage: g.sessionStorage,
    indexedDB: g.indexedDB as unknown as IDBFactoryLike | undefined,
    caches: g.caches as unknown as CacheStorageLike | undefined,
    serviceWorker: g.navigator && "serviceWorker" in g.navigator ? g.navigator.serviceWorker : undefined,
    cookies: g.document,
    knownDatabases: [deviceSecretDB],
  };
}
