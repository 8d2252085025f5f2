// Web Push on this device (docs/push.md): the service worker, the user's
// permission, and the subscription ward keeps for the signed-in device.
// A subscription lives as long as the session that posted it, so it is
// posted again after every sign-in (refreshPush). The environment is
// passed in so tests can use fakes.

export interface PushSubscriptionLike {
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}

export interface RegistrationLike {
  pushManager?: {
    getSubscription(): Promise<PushSubscriptionLike | null>;
    subscribe(opts: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }): Promise<PushSubscriptionLike>;
  };
}

export interface PushEnv {
  serviceWorker?: { register(url: string, opts?: { scope: string }): Promise<RegistrationLike> };
  notification?: { permission: string; requestPermission(): Promise<string> };
}

export interface PushApi {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<unknown>;
}

export type PushState = "on" | "off" | "denied" | "unsupported";

// base64UrlToBytes decodes the VAPID key (base64url, unpadded).
export function base64UrlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// registerServiceWorker installs /sw.js (app shell cache, pushes); null
// where the browser has no service workers.
export async function registerServiceWorker(env: PushEnv): Promise<RegistrationLike | null> {
  if (!env.serviceWorker) return null;
  return env.serviceWorker.register("/sw.js", { scope: "/" });
}

export async function pushState(env: PushEnv): Promise<PushState> {
  if (!env.serviceWorker || !env.notification) return "unsupported";
  if (env.notification.permission === "denied") return "denied";
  const reg = await registerServiceWorker(env);
  if (!reg?.pushManager) return "unsupported";
  if (env.notification.permission !== "granted") return "off";
  return (await reg.pushManager.getSubscription()) ? "on" : "off";
}

// enablePush asks for permission (only here: the user opted in), subscribes
// with the server's VAPID key and gives ward the subscription.
export async function enablePush(api: PushApi, env: PushEnv): Promise<PushState> {
  if (!env.serviceWorker || !env.notification) return "unsupported";
  const perm = await env.notification.requestPermission();
  if (perm !== "granted") return perm === "denied" ? "denied" : "off";
  const reg = await registerServiceWorker(env);
  if (!reg?.pushManager) return "unsupported";
  const { key } = await api.get<{ key: string }>("/api/v1/push/vapid-key");
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) }));
  await api.post("/api/v1/devices/current/push", sub.toJSON());
  return "on";
}

// disablePush drops the subscription, here and at ward.
export async function disablePush(api: PushApi, env: PushEnv): Promise<void> {
  const reg = await registerServiceWorker(env);
  const sub = await reg?.pushManager?.getSubscription();
  await api.del("/api/v1/devices/current/push");
  if (sub) await sub.unsubscribe();
}

// refreshPush gives a new session the subscription this browser already
// has (never asks for permission); it reports whether it posted one.
export async function refreshPush(api: PushApi, env: PushEnv): Promise<boolean> {
  if (!env.serviceWorker || env.notification?.permission !== "granted") return false;
  const reg = await registerServiceWorker(env);
  const sub = await reg?.pushManager?.getSubscription();
  if (!sub) return false;
  await api.post("/api/v1/devices/current/push", sub.toJSON());
  return true;
}

// browserPushEnv is the real browser's.
export function browserPushEnv(): PushEnv {
  const g = globalThis as unknown as { navigator?: Navigator; Notification?: typeof Notification };
  return {
    serviceWorker:
      g.navigator && "serviceWorker" in g.navigator && "PushManager" in globalThis
        ? (g.navigator.serviceWorker as unknown as PushEnv["serviceWorker"])
        : undefined,
    notification: g.Notification
      ? { permission: g.Notification.permission, requestPermission: () => g.Notification!.requestPermission() }
      : undefined,
  };
}
