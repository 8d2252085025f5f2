// The device secret: the server issues it at a device's first sign-in
// (device_secret in the answer, or in the device_pending problem when the
// device must first be approved) and a later sign-in from the device sends
// it as device.secret. Without it the server treats the sign-in as a new
// device, so a copied device id is worth nothing. It is kept in IndexedDB
// (database "ward-device"), one per account and device id, and a wipe
// deletes the database with everything else (wipe.ts). A sign-in also sends
// the secrets kept for the same device id under its other sign-ins
// (device.other_secrets): after an admin changed the account's email, the
// one kept under the old email finds the device, and the answer hands it
// back to keep under the new one.

export const deviceSecretDB = "ward-device";
const storeName = "secrets";

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, secret: string): Promise<void>;
  // entries lists every kept key and secret.
  entries(): Promise<[string, string][]>;
}

// maxOtherSecrets is how many other secrets a sign-in may send (the
// server's limit).
export const maxOtherSecrets = 8;

// secretKey names the secret of one account on one device id: the server
// issues one per user and device.
export function secretKey(email: string, org: string | undefined, deviceID: string): string {
  return `${(org ?? "").trim().toLowerCase()}|${email.trim().toLowerCase()}|${deviceID}`;
}

// otherSecrets are the secrets kept for key's device id under other keys,
// each once, at most maxOtherSecrets.
export async function otherSecrets(store: SecretStore, key: string, secret: string | undefined): Promise<string[]> {
  const device = key.slice(key.lastIndexOf("|"));
  const out = new Set<string>();
  for (const [k, v] of await store.entries()) {
    if (k !== key && k.endsWith(device) && v !== secret && out.size < maxOtherSecrets) out.add(v);
  }
  return [...out];
}

// withDeviceSecret runs a sign-in with the kept secret (if any) and the
// device's other secrets, and keeps the secret the server issues or hands
// back, whether the sign-in succeeds or the device waits for approval.
export async function withDeviceSecret<T extends { device_secret?: string }>(
  store: SecretStore,
  key: string,
  signIn: (secret: string | undefined, others: string[]) => Promise<T>,
): Promise<T> {
  let secret: string | undefined;
  let others: string[] = [];
  try {
    secret = await store.get(key);
    others = await otherSecrets(store, key, secret);
  } catch {
    // unreadable storage: sign in as a new device
  }
  let ans: T;
  try {
    ans = await signIn(secret, others);
  } catch (e) {
    const issued = (e as { deviceSecret?: unknown }).deviceSecret;
    if (typeof issued === "string" && issued) await store.put(key, issued).catch(() => {});
    throw e;
  }
  if (ans.device_secret) await store.put(key, ans.device_secret).catch(() => {});
  return ans;
}

// memorySecretStore keeps secrets in memory (tests; browsers without
// IndexedDB, where a device is then new at every visit).
export function memorySecretStore(): SecretStore & { m: Map<string, string> } {
  const m = new Map<string, string>();
  return {
    m,
    get: async (k) => m.get(k),
    put: async (k, v) => {
      m.set(k, v);
    },
    entries: async () => [...m.entries()],
  };
}

// idbSecretStore keeps secrets in IndexedDB.
export function idbSecretStore(idb: IDBFactory | undefined): SecretStore {
  if (!idb) return memorySecretStore();
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open(deviceSecretDB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(storeName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("cannot open " + deviceSecretDB));
    });
  // run runs fn's requests in one transaction and answers their results.
  const run = async (mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest[]): Promise<unknown[]> => {
    const db = await open();
    try {
      return await new Promise<unknown[]>((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const reqs = fn(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(reqs.map((r) => r.result as unknown));
        tx.onerror = () => reject(tx.error ?? new Error("device secret storage failed"));
        tx.onabort = () => reject(tx.error ?? new Error("device secret storage failed"));
      });
    } finally {
      db.close(); // a wipe can then delete the database at once
    }
  };
  return {
    get: async (k) => {
      const [v] = await run("readonly", (s) => [s.get(k)]);
      return typeof v === "string" ? v : undefined;
    },
    put: async (k, v) => {
      await run("readwrite", (s) => [s.put(v, k)]);
    },
    entries: async () => {
      // keys and values in one transaction, so in the same (key) order
      const [keys, values] = (await run("readonly", (s) => [s.getAllKeys(), s.getAll()])) as [IDBValidKey[], unknown[]];
      const out: [string, string][] = [];
      keys.forEach((k, i) => {
        const v = values[i];
        if (typeof k === "string" && typeof v === "string") out.push([k, v]);
      });
      return out;
    },
  };
}
