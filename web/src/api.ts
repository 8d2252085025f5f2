// The HTTP API client. Every call goes to this origin with the session
// cookie; state-changing calls carry the CSRF token from the sign-in answer.
// Errors are RFC 9457 problem+json with a stable code; two codes are handled
// for the whole app: device_wiped (erase, confirm, show the wiped page) and
// unauthenticated (back to sign-in).

export class ApiError extends Error {
  status: number;
  code: string;
  factors?: string[]; // with mfa_required: the second factors the user has
  deviceSecret?: string; // with device_pending on a device's first sign-in: the secret it was issued
  constructor(status: number, code: string, message: string, factors?: string[], deviceSecret?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.factors = factors;
    this.deviceSecret = deviceSecret;
  }
}

export interface ApiHooks {
  csrf(): string;
  onRequest?(): void; // a request reached the server (the idle clock restarts)
  onWiped?(): void;
  onUnauthenticated?(): void;
}

export interface ReqOpts {
  quiet?: boolean;
  background?: boolean;
  blob?: boolean; // the answer is a file (a CSV or a PDF): resolve to a Blob
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class Api {
  private hooks: ApiHooks;
  private fetch: FetchLike;

  constructor(hooks: ApiHooks, fetchImpl?: FetchLike) {
    this.hooks = hooks;
    this.fetch = fetchImpl ?? ((i, init) => globalThis.fetch(i, init));
  }

  // quiet: the caller handles device_wiped and unauthenticated itself.
  // background: the request was not the user's doing (a delivery receipt,
  // a catch-up after a reconnect), so it does not restart the client's idle
  // clock: the client signs out on the user's inactivity, not the device's;
  // nor the server's (X-Ward-Background: 1).
  async request<T>(method: string, path: string, body?: unknown, opts: ReqOpts = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.background) headers["X-Ward-Background"] = "1";
    if (method !== "GET" && method !== "HEAD") {
      const t = this.hooks.csrf();
      if (t) headers["X-CSRF-Token"] = t;
    }
    let res: Response;
    try {
      res = await this.fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "The server cannot be reached. Check the connection and try again.");
    }
    if (res.status < 500 && res.status !== 401 && !opts.background) this.hooks.onRequest?.();
    if (res.ok) {
      if (res.status === 204) return undefined as T;
      if (opts.blob) return (await res.blob()) as T;
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    }
    let code = "http_" + res.status;
    let msg = res.statusText || "Request failed";
    let factors: string[] | undefined;
    let deviceSecret: string | undefined;
    try {
      const p = (await res.json()) as { code?: string; detail?: string; title?: string; factors?: unknown; device_secret?: unknown };
      if (p.code) code = p.code;
      msg = p.detail || p.title || msg;
      if (Array.isArray(p.factors)) factors = p.factors.map(String);
      if (typeof p.device_secret === "string") deviceSecret = p.device_secret;
    } catch {
      /* not problem+json */
    }
    const err = new ApiError(res.status, code, msg, factors, deviceSecret);
    if (!opts.quiet) {
      if (code === "device_wiped") this.hooks.onWiped?.();
      else if (code === "unauthenticated") this.hooks.onUnauthenticated?.();
    }
    throw err;
  }

  get<T>(path: string, opts?: ReqOpts) {
    return this.request<T>("GET", path, undefined, opts);
  }
  post<T>(path: string, body?: unknown, opts?: ReqOpts) {
    return this.request<T>("POST", path, body ?? {}, opts);
  }
  // postFile posts body and answers the file the server sends back.
  postFile(path: string, body: unknown) {
    return this.request<Blob>("POST", path, body, { blob: true });
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  // putFile sends a file as the raw body of a PUT (a BAA's document).
  async putFile<T>(path: string, file: Blob): Promise<T> {
    const res = await this.fetch(path, {
      method: "PUT",
      headers: { Accept: "application/json", "Content-Type": "application/octet-stream", "X-CSRF-Token": this.hooks.csrf() },
      body: file,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (res.ok) return (await res.json()) as T;
    const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new ApiError(res.status, p.code ?? "http_" + res.status, p.detail || "The upload failed.");
  }
  del<T>(path: string, opts?: ReqOpts) {
    return this.request<T>("DELETE", path, undefined, opts);
  }
}

// ---- shapes (see api/openapi.yaml) ----

export type Role = "owner" | "admin" | "compliance" | "clinician" | "staff" | "patient" | "guest";

export interface User {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  created_at: string;
}

export interface Device {
  id: string;
  user_id: string;
  client_id: string;
  name: string;
  status: "pending" | "active" | "locked" | "wiped";
  wipe?: "" | "requested" | "delivered" | "confirmed";
  created_at: string;
  last_seen_at: string;
  last_ip: string;
}

export interface Session {
  id: string;
  device_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

export interface LoginAnswer {
  csrf_token?: string;
  user: User;
  device: Device;
  expires_at: string;
  idle_timeout: number;
  enrollment_required?: string[];
  session: Session;
  device_secret?: string; // a device's first sign-in only
}

export interface Me {
  user: User;
  device: Device;
  session: Session;
  idle_timeout: number;
  mfa_enrollment_required: boolean;
  org?: { id: string; slug: string; name: string }; // the clinic (not PHI)
}

export interface Policy {
  mfa_required: boolean;
  idle_timeout: number;
  session_lifetime: number;
  device_approval: boolean;
  escalation_opens_history: boolean;
  urgent_renotify: number;
  urgent_escalate: number;
  message_lifespan: number;
  recall_window: number;
  audit_retention: number;
  invitation_ttl: number;
  clinic_phone?: string; // fills {clinic.phone} in saved replies
  patient_retention: number;
  attachment_retention?: number; // seconds; 0 keeps attachments as long as their message
  email_unread_after: number; // seconds; 0: no email fallback
  review_access: number; // seconds a compliance review reads at most (docs/compliance.md)
  break_glass_access: number; // seconds a break-glass reads at most
  // Activity monitoring (docs/compliance.md#activity-monitoring); 0 or "" is the default.
  monitor_bulk_patients?: number;
  monitor_bulk_window?: number;
  work_hours?: string; // "06:00-22:00"
  work_days?: string; // "mon,tue,wed,thu,fri"; "" every day
  time_zone?: string; // IANA; "" UTC
  monitor_signin_failures?: number;
  monitor_spray_accounts?: number;
  monitor_signin_window?: number;
  monitor_exports?: number;
  monitor_export_window?: number;
}

export const isAdmin = (r: Role | undefined) => r === "admin" || r === "owner";
// The audit trail is the compliance officer's (internal/authz); the
// dashboard's counts are for owners, admins and compliance officers.
export const canAudit = (r: Role | undefined) => r === "compliance";
export const canSeeStats = (r: Role | undefined) => isAdmin(r) || r === "compliance";
// Owners, admins and compliance officers manage and review; they do not
// take part in conversations (internal/authz).
// A guest (a secure message's outside address, src/outside.ts) reads and
// answers in their own threads.
export const canMessage = (r: Role | undefined) => r === "clinician" || r === "staff" || r === "patient" || r === "guest";
// Patients and guests are outside the org: no staff directory, no urgent
// messages, no saved replies; their names and emails are sealed.
export const isExternal = (r: Role | undefined) => r === "patient" || r === "guest";
// Clinicians and staff write to outside addresses (the authz table's
// outside.send).
export const canWriteOutside = (r: Role | undefined) => r === "clinician" || r === "staff";
export const canRecall = (r: Role | undefined) => r === "clinician" || r === "staff";
// Patient records are read by clinicians and staff (the authz table's patient.read).
export const canSeePatients = (r: Role | undefined) => r === "clinician" || r === "staff";
