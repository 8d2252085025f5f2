// The device identity: an id made once and kept in localStorage, and a name
// for the admin's device list. A wipe erases both, so a wiped browser that
// signs in again is a new device.

export interface KV {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
}

export interface DeviceIdentity {
  id: string;
  name: string;
}

const key = "ward.device";

export function deviceName(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad|iPod/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

export function deviceIdentity(store: KV, ua: string, newID: () => string): DeviceIdentity {
  try {
    const raw = store.getItem(key);
    if (raw) {
      const d = JSON.parse(raw) as DeviceIdentity;
      if (typeof d.id === "string" && d.id.length >= 8 && typeof d.name === "string" && d.name) return d;
    }
  } catch {
    /* unreadable: make a new one */
  }
  const d = { id: newID(), name: deviceName(ua).slice(0, 100) };
  store.setItem(key, JSON.stringify(d));
  return d;
}
