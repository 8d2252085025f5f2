import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Device, Policy, Role, User } from "../api";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, formatDateTime, focusOnMount } from "./common";
import { Dashboard } from "./Insights";

const roles: Role[] = ["clinician", "staff", "compliance", "admin", "owner", "patient"];

export function AdminFrame(props: { tab: "users" | "teams" | "devices" | "policy" | "dashboard" | "oncall" | "sso"; children: ComponentChildren }) {
  return (
    <div class="pad stack">
      <h1>Administration</h1>
      <nav aria-label="Administration" class="tabs">
        <Link href="/admin/users" aria-current={props.tab === "users" ? "page" : undefined}>
          Users
        </Link>
        <Link href="/admin/teams" aria-current={props.tab === "teams" ? "page" : undefined} id="tab-teams">
          Teams
        </Link>
        <Link href="/admin/oncall" aria-current={props.tab === "oncall" ? "page" : undefined} id="tab-oncall">
          On call
        </Link>
        <Link href="/admin/devices" aria-current={props.tab === "devices" ? "page" : undefined} id="tab-devices">
          Devices
        </Link>
        <Link href="/admin/policy" aria-current={props.tab === "policy" ? "page" : undefined} id="tab-policy">
          Policy
        </Link>
        <Link href="/admin/sso" aria-current={props.tab === "sso" ? "page" : undefined} id="tab-sso">
          Single sign-on
        </Link>
        <Link href="/admin/dashboard" aria-current={props.tab === "dashboard" ? "page" : undefined} id="tab-dashboard">
          Dashboard
        </Link>
      </nav>
      {props.children}
    </div>
  );
}

// ---- users ----

export function AdminUsers() {
  const w = useWard();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState("");
  const [q, setQ] = useState("");

  async function load() {
    try {
      const r = await w.api.get<{ users: User[] }>("/api/v1/users");
      setUsers(r.users.sort((a, b) => a.name.localeCompare(b.name)));
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  const [editing, setEditing] = useState<{ id: string; name: string; email: string } | null>(null);

  async function change(u: User, patch: Partial<Pick<User, "name" | "email" | "role" | "disabled">>): Promise<boolean> {
    setError("");
    try {
      await w.api.patch(`/api/v1/users/${encodeURIComponent(u.id)}`, patch);
      await load();
      void w.loadDirectory();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  }

  // A patient's or guest's email is the address they proved: only the name is theirs to edit here.
  async function saveEdit(e: Event, u: User) {
    e.preventDefault();
    if (!editing) return;
    const patch: Partial<Pick<User, "name" | "email">> = {};
    if (editing.name.trim() !== u.name) patch.name = editing.name.trim();
    if (editing.email.trim().toLowerCase() !== u.email && u.role !== "patient" && u.role !== "guest") patch.email = editing.email.trim();
    if (Object.keys(patch).length === 0 || (await change(u, patch))) setEditing(null);
  }

  const needle = q.trim().toLowerCase();
  const shown = (users ?? []).filter(
    (u) => !needle || u.name.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle),
  );
  return (
    <AdminFrame tab="users">
      <AddUser onAdded={load} />
      <section class="card" aria-labelledby="users-title">
        <h2 id="users-title">People</h2>
        <label for="user-search">Search</label>
        <input id="user-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <ErrorLine error={error} />
        <div class="table-wrap">
          <table id="users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((u) => (
                <tr key={u.id}>
                  {editing?.id === u.id ? (
                    <td colSpan={2}>
                      <form class="row" onSubmit={(e) => void saveEdit(e, u)} aria-label={"Edit " + u.name}>
                        <label class="sr-only" for={"edit-name-" + u.id}>
                          Name
                        </label>
                        <input
                          id={"edit-name-" + u.id}
                          required
                          value={editing.name}
                          onInput={(e) => setEditing({ ...editing, name: e.currentTarget.value })}
                        />
                        <label class="sr-only" for={"edit-email-" + u.id}>
                          Email
                        </label>
                        <input
                          id={"edit-email-" + u.id}
                          type="email"
                          required
                          disabled={u.role === "patient" || u.role === "guest"}
                          title={u.role === "patient" || u.role === "guest" ? "The address they proved; it does not change" : undefined}
                          value={editing.email}
                          onInput={(e) => setEditing({ ...editing, email: e.currentTarget.value })}
                        />
                        <button class="small primary" type="submit">
                          Save
                        </button>
                        <button class="small" type="button" onClick={() => setEditing(null)}>
                          Cancel
                        </button>
                      </form>
                    </td>
                  ) : (
                    <>
                      <td>
                        {u.name}{" "}
                        <button class="small" id={"edit-" + u.id} onClick={() => setEditing({ id: u.id, name: u.name, email: u.email })}>
                          Edit<span class="sr-only"> {u.name}</span>
                        </button>
                      </td>
                      <td>{u.email}</td>
                    </>
                  )}
                  <td>
                    <label class="sr-only" for={"role-" + u.id}>
                      Role of {u.name}
                    </label>
                    <select
                      id={"role-" + u.id}
                      value={u.role}
                      onChange={(e) => void change(u, { role: e.currentTarget.value as Role })}
                    >
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {u.disabled ? <span class="badge st-locked">disabled</span> : <span class="badge st-active">active</span>}{" "}
                    <button class="small" onClick={() => void change(u, { disabled: !u.disabled })}>
                      {u.disabled ? "Enable" : "Disable"}
                      <span class="sr-only"> {u.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </AdminFrame>
  );
}

function AddUser(props: { onAdded: () => void }) {
  const w = useWard();
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ name: "", email: "", role: "clinician" as Role, password: "" });
  const [made, setMade] = useState<{ email: string; password: string } | null>(null);
  const [error, setError] = useState("");

  async function submit(e: Event) {
    e.preventDefault();
    setError("");
    try {
      await w.api.post("/api/v1/users", f);
      setMade({ email: f.email, password: f.password });
      setF({ name: "", email: "", role: "clinician", password: "" });
      props.onAdded();
    } catch (e) {
      setError(errorText(e));
    }
  }
  function generate() {
    const a = "abcdefghijkmnpqrstuvwxyz23456789";
    const b = crypto.getRandomValues(new Uint8Array(24));
    const s = Array.from(b, (x) => a[x % a.length]).join("");
    setF({ ...f, password: `${s.slice(0, 6)}-${s.slice(6, 12)}-${s.slice(12, 18)}-${s.slice(18)}` });
  }
  if (!open)
    return (
      <div>
        <button class="primary" onClick={() => setOpen(true)} id="add-user">
          Add a person
        </button>
        {made && (
          <p class="notice" role="status">
            Added {made.email}. Give them their first password through a safe channel: <code>{made.password}</code>
          </p>
        )}
      </div>
    );
  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="add-title">
      <h2 id="add-title">Add a person</h2>
      <label for="nu-name">Name</label>
      <input id="nu-name" required value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
      <label for="nu-email">Email</label>
      <input id="nu-email" type="email" required value={f.email} onInput={(e) => setF({ ...f, email: e.currentTarget.value })} />
      <label for="nu-role">Role</label>
      <select id="nu-role" value={f.role} onChange={(e) => setF({ ...f, role: e.currentTarget.value as Role })}>
        {roles.filter((r) => r !== "owner").map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <label for="nu-password">First password (12 characters or more)</label>
      <div class="row">
        <input
          id="nu-password"
          required
          minLength={12}
          autocomplete="new-password"
          value={f.password}
          onInput={(e) => setF({ ...f, password: e.currentTarget.value })}
        />
        <button type="button" onClick={generate}>
          Generate
        </button>
      </div>
      <ErrorLine error={error} />
      <div class="row">
        <button class="primary" type="submit">
          Add
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </form>
  );
}

// ---- devices ----

const wipeLabel: Record<string, string> = {
  requested: "Wipe requested — waiting for the device",
  delivered: "Wipe delivered — the device is erasing",
  confirmed: "Wipe confirmed — the device erased its data",
};

export function AdminDevices() {
  const w = useWard();
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [users, setUsers] = useState<Record<string, User>>({});
  const [error, setError] = useState("");
  const [confirming, setConfirming] = useState<{ id: string; act: "lock" | "wipe" } | null>(null);

  async function load() {
    try {
      const r = await w.api.get<{ devices: Device[] }>("/api/v1/admin/devices");
      setDevices(r.devices);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    w.api
      .get<{ users: User[] }>("/api/v1/users")
      .then((r) => setUsers(Object.fromEntries(r.users.map((u) => [u.id, u]))))
      .catch(() => {});
  }, []);
  // Live wipe status: poll while a wipe is on its way.
  const inFlight = (devices ?? []).some((d) => d.wipe === "requested" || d.wipe === "delivered");
  useEffect(() => {
    if (!inFlight) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [inFlight]);

  async function act(d: Device, a: "approve" | "lock" | "unlock" | "wipe") {
    setError("");
    setConfirming(null);
    try {
      await w.api.post(`/api/v1/admin/devices/${encodeURIComponent(d.id)}/${a}`, {});
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <AdminFrame tab="devices">
      <section class="card" aria-labelledby="devices-title">
        <h2 id="devices-title">Devices</h2>
        <p class="muted small">
          Lock signs a device out at once; Unlock lets it sign in again. Wipe also orders it to erase everything ward
          keeps in it; the status shows when it did. A wiped device cannot be unlocked: it signs in again as a new
          device.
        </p>
        <ErrorLine error={error} />
        {devices === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <div class="table-wrap">
            <table id="devices">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Device</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {devices.map((d) => {
                  const who = users[d.user_id]?.name ?? users[d.user_id]?.email ?? d.user_id;
                  return (
                    <tr key={d.id} data-device={d.id} data-user={users[d.user_id]?.email ?? ""}>
                      <td>{who}</td>
                      <td>{d.name}</td>
                      <td>
                        {formatDateTime(d.last_seen_at)}
                        <br />
                        <span class="muted small">{d.last_ip}</span>
                      </td>
                      <td>
                        <span class={"badge st-" + d.status}>{d.status}</span>
                        {d.wipe && (
                          <div class={"wipe-status wipe-" + d.wipe} data-wipe={d.wipe} role="status">
                            {wipeLabel[d.wipe] ?? d.wipe}
                          </div>
                        )}
                      </td>
                      <td class="actions">
                        {confirming?.id === d.id ? (
                          <span class="confirm" role="group" aria-label={`Confirm ${confirming.act}`}>
                            <span>{confirming.act === "wipe" ? "Wipe this device?" : "Lock this device?"}</span>
                            <button class="small danger confirm-yes" ref={focusOnMount} onClick={() => void act(d, confirming.act)}>
                              Yes, {confirming.act}
                            </button>
                            <button class="small" onClick={() => setConfirming(null)}>
                              Cancel
                            </button>
                          </span>
                        ) : (
                          <>
                            {d.status === "pending" && (
                              <button class="small primary" onClick={() => void act(d, "approve")}>
                                Approve<span class="sr-only"> {d.name} of {who}</span>
                              </button>
                            )}
                            {(d.status === "active" || d.status === "pending") && (
                              <button class="small" onClick={() => setConfirming({ id: d.id, act: "lock" })}>
                                Lock<span class="sr-only"> {d.name} of {who}</span>
                              </button>
                            )}
                            {d.status === "locked" && !d.wipe && (
                              <button class="small unlock" onClick={() => void act(d, "unlock")}>
                                Unlock<span class="sr-only"> {d.name} of {who}</span>
                              </button>
                            )}
                            {!d.wipe && (
                              <button class="small danger wipe" onClick={() => setConfirming({ id: d.id, act: "wipe" })}>
                                Wipe<span class="sr-only"> {d.name} of {who}</span>
                              </button>
                            )}
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AdminFrame>
  );
}

// ---- policy ----

type DurKey =
  | "idle_timeout"
  | "session_lifetime"
  | "urgent_renotify"
  | "urgent_escalate"
  | "message_lifespan"
  | "recall_window"
  | "invitation_ttl"
  | "patient_retention"
  | "attachment_retention"
  | "email_unread_after"
  | "review_access"
  | "break_glass_access"
  | "monitor_bulk_window"
  | "monitor_signin_window"
  | "monitor_export_window";
const durations: { key: DurKey; label: string; hint: string; unit: "minutes" | "hours" | "seconds" | "days" }[] = [
  { key: "idle_timeout", label: "Automatic sign-out after inactivity", hint: "30 seconds to 24 hours", unit: "seconds" },
  { key: "session_lifetime", label: "Longest session", hint: "at least the inactivity limit, at most 30 days", unit: "hours" },
  { key: "urgent_renotify", label: "Re-notify unacknowledged urgent messages every", hint: "at least 10 seconds", unit: "minutes" },
  { key: "urgent_escalate", label: "Escalate urgent messages to the backup after", hint: "at least the re-notify interval", unit: "minutes" },
  { key: "message_lifespan", label: "Delete messages after (0 keeps them)", hint: "0, or at least 1 hour", unit: "hours" },
  { key: "recall_window", label: "Senders may recall a message for", hint: "0 to 7 days", unit: "minutes" },
  { key: "invitation_ttl", label: "Patient invitation links work for", hint: "1 hour to 30 days", unit: "hours" },
  { key: "review_access", label: "A compliance review reads for at most", hint: "5 minutes to 8 hours", unit: "minutes" },
  { key: "break_glass_access", label: "A break-glass opens a patient's conversations for at most", hint: "5 minutes to 8 hours", unit: "minutes" },
  { key: "monitor_bulk_window", label: "Alerts: bulk-access window", hint: "1 minute to 24 hours (default 60)", unit: "minutes" },
  { key: "monitor_signin_window", label: "Alerts: failed sign-in window", hint: "1 minute to 24 hours (default 10)", unit: "minutes" },
  { key: "monitor_export_window", label: "Alerts: export window", hint: "1 hour to 30 days (default 24)", unit: "hours" },
  {
    key: "email_unread_after",
    label: "Email staff without push after a message waits unread for (0: no email)",
    hint: "0, or 1 minute to 24 hours; at most one an hour, urgent at once, never what the message says",
    unit: "minutes",
  },
  {
    key: "patient_retention",
    label: "Erase deactivated patient records after (0 keeps them)",
    hint: "0, or at least 1 day; the record's key and its patient account's identity are shredded for good",
    unit: "days",
  },
  {
    key: "attachment_retention",
    label: "Delete sent attachments after (0 keeps them with their message)",
    hint: "0, or at least 1 day; the message stays; a legal hold keeps what it covers",
    unit: "days",
  },
];
// The monitoring thresholds (docs/compliance.md#activity-monitoring); 0 or "" is the default.
const monitorCounts: { key: "monitor_bulk_patients" | "monitor_signin_failures" | "monitor_spray_accounts" | "monitor_exports"; label: string; hint: string }[] = [
  { key: "monitor_bulk_patients", label: "Alert when one user reads more patients than", hint: "2 to 100000 within the bulk-access window (0: 50)" },
  { key: "monitor_signin_failures", label: "Alert after failed sign-ins on one account or address", hint: "3 to 100000 within the sign-in window (0: 10)" },
  { key: "monitor_spray_accounts", label: "Alert when one address fails on this many accounts (password spray)", hint: "2 to 100000 (0: 5)" },
  { key: "monitor_exports", label: "Alert after this many exports by one user", hint: "1 to 1000 within the export window (0: 3)" },
];
const monitorTexts: { key: "work_hours" | "work_days" | "time_zone"; label: string; hint: string; placeholder: string }[] = [
  { key: "work_hours", label: "Working hours (reads outside them alert)", hint: "HH:MM-HH:MM; empty: 06:00-22:00", placeholder: "06:00-22:00" },
  { key: "work_days", label: "Working days", hint: "sun, mon, tue, wed, thu, fri, sat, comma-separated; empty: every day", placeholder: "mon,tue,wed,thu,fri" },
  { key: "time_zone", label: "Time zone of the working hours", hint: "an IANA name such as America/Chicago; empty: UTC", placeholder: "UTC" },
];
const unitSeconds = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

export function AdminPolicy() {
  const w = useWard();
  const [p, setP] = useState<Policy | null>(null);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  useEffect(() => {
    w.api.get<Policy>("/api/v1/policy").then(setP, (e) => setError(errorText(e)));
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    if (!p) return;
    setError("");
    setSaved("");
    try {
      setP(await w.api.put<Policy>("/api/v1/policy", p));
      setSaved("Saved. New sessions and requests follow the new policy at once.");
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <AdminFrame tab="policy">
      {!p ? (
        <>
          <ErrorLine error={error} />
          <p class="muted">Loading…</p>
        </>
      ) : (
        <form class="card stack" onSubmit={save} aria-labelledby="policy-title" id="policy">
          <h2 id="policy-title">Organization policy</h2>
          <label class="check">
            <input type="checkbox" checked={p.mfa_required} onChange={(e) => setP({ ...p, mfa_required: e.currentTarget.checked })} />
            Require two-step sign-in for staff
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={p.device_approval}
              onChange={(e) => setP({ ...p, device_approval: e.currentTarget.checked })}
            />
            New devices wait for an administrator's approval
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={p.escalation_opens_history}
              onChange={(e) => setP({ ...p, escalation_opens_history: e.currentTarget.checked })}
            />
            An urgent message's backup also sees the conversation's earlier messages
          </label>
          {durations.map((d) => {
            const k = unitSeconds[d.unit];
            return (
              <div key={d.key} class="field">
                <label for={"pol-" + d.key}>
                  {d.label} ({d.unit})
                </label>
                <input
                  id={"pol-" + d.key}
                  type="number"
                  min={0}
                  step="any"
                  aria-describedby={"pol-" + d.key + "-hint"}
                  value={(p[d.key] ?? 0) / k}
                  onInput={(e) => {
                    const v = Number(e.currentTarget.value);
                    if (isFinite(v)) setP({ ...p, [d.key]: Math.round(v * k) });
                  }}
                />
                <span class="muted small" id={"pol-" + d.key + "-hint"}>
                  {d.hint}
                </span>
              </div>
            );
          })}
          <fieldset class="stack" id="pol-monitoring">
            <legend>Activity monitoring (alerts to compliance)</legend>
            {monitorCounts.map((c) => (
              <div key={c.key} class="field">
                <label for={"pol-" + c.key}>{c.label}</label>
                <input
                  id={"pol-" + c.key}
                  type="number"
                  min={0}
                  step={1}
                  aria-describedby={"pol-" + c.key + "-hint"}
                  value={p[c.key] ?? 0}
                  onInput={(e) => {
                    const v = Number(e.currentTarget.value);
                    if (Number.isInteger(v)) setP({ ...p, [c.key]: v });
                  }}
                />
                <span class="muted small" id={"pol-" + c.key + "-hint"}>
                  {c.hint}
                </span>
              </div>
            ))}
            {monitorTexts.map((c) => (
              <div key={c.key} class="field">
                <label for={"pol-" + c.key}>{c.label}</label>
                <input
                  id={"pol-" + c.key}
                  maxLength={64}
                  placeholder={c.placeholder}
                  aria-describedby={"pol-" + c.key + "-hint"}
                  value={p[c.key] ?? ""}
                  onInput={(e) => setP({ ...p, [c.key]: e.currentTarget.value })}
                />
                <span class="muted small" id={"pol-" + c.key + "-hint"}>
                  {c.hint}
                </span>
              </div>
            ))}
          </fieldset>
          <div class="field">
            <label for="pol-clinic-phone">Clinic phone (for {"{clinic.phone}"} in saved replies)</label>
            <input
              id="pol-clinic-phone"
              type="tel"
              maxLength={40}
              value={p.clinic_phone ?? ""}
              onInput={(e) => setP({ ...p, clinic_phone: e.currentTarget.value })}
            />
          </div>
          <ErrorLine error={error} />
          {saved && (
            <p class="notice" role="status">
              {saved}
            </p>
          )}
          <button class="primary" type="submit" id="policy-save">
            Save policy
          </button>
        </form>
      )}
    </AdminFrame>
  );
}

// ---- dashboard ----

export function AdminDashboard() {
  return (
    <AdminFrame tab="dashboard">
      <Dashboard />
    </AdminFrame>
  );
}
