// The device secret: the server issues it at a device's first sign-in
// (device_secret in the answer, or in the device_pending problem when the
// device must first be approved) and a later sign-in from the device sends
// it as device.secret. Without it the server treats the sign-in as a new
// device, so a copied device id is worth nothing. It is kept in IndexedDB
// (database "ward-device"), one per account and device id, and a wipe
// deletes the database with everything else (wipe.ts).

export const deviceSecretDB = "ward-device";
const storeName = "secrets";

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, secret: string): Promise<void>;
}

// secretKey names the secret of one account on one device id: the server
// issues one per user and device.
export function secretKey(email: string, org: string | undefined, deviceID: string): string {
  return `${(org ?? "").trim().toLowerCase()}|${email.trim().toLowerCase()}|${deviceID}`;
}

// withDeviceSecret runs a sign-in with the kept secret (if any) and keeps
// the secret the server issues, whether the sign-in succeeds or the new
// device waits for approval.
export async function withDeviceSecret<T extends { device_secret?: string }>(
  store: SecretStore,
  key: string,
  signIn: (secret: string | undefined) => Promise<T>,
): Promise<T> {
  let secret: string | undefined;
  try {
    secret = await store.get(key);
  } catch {
    secret = undefined; // unreadable storage: sign in as a new device
  }
  let ans: T;
  try {
    ans = await signIn(secret);
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
  const run = async <R>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<R> => {
    const db = await open();
    try {
      return await new Promise<R>((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const req = fn(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(req.result as R);
        tx.onerror = () => reject(tx.error ?? new Error("device secret storage failed"));
        tx.onabort = () => reject(tx.error ?? new Error("device secret storage failed"));
      });
    } finally {
      db.close(); // a wipe can then delete the database at once
    }
  };
  return {
    get: async (k) => {
      const v = await run<unknown>("readonly", (s) => s.get(k));
      return typeof v === "string" ? v : undefined;
    },
    put: async (k, v) => {
      await run("readwrite", (s) => s.put(v, k));
    },
  };
}
