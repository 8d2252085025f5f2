import { useEffect, useState } from "preact/hooks";
import { ApiError, type Device, type Session } from "../api";
import { formatDuration } from "../client";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime, focusOnMount } from "./common";
import { passkeyErrorText, passkeysSupported } from "../webauthn";
import { browserPushEnv, disablePush, enablePush, pushState, type PushState } from "../push";
import { canMessage } from "../api";
import { NotificationPrefs } from "./NotificationPrefs";

// Account: who is signed in, this account's sessions (revoke one, or sign
// out everywhere) and devices.
export function Account() {
  const w = useWard();
  const st = w.store.get();
  const me = st.me!;
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [error, setError] = useState("");
  const [confirmAll, setConfirmAll] = useState(false);

  async function load() {
    try {
      const [s, d] = await Promise.all([
        w.api.get<{ sessions: Session[] }>("/api/v1/sessions"),
        w.api.get<{ devices: Device[] }>("/api/v1/devices"),
      ]);
      setSessions(s.sessions);
      setDevices(d.devices);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  const deviceName = (id: string) => devices.find((d) => d.id === id)?.name ?? "Unknown device";

  return (
    <div class="pad stack">
      <h1>Account</h1>
      <section class="card" aria-labelledby="me-title">
        <h2 id="me-title">{me.user.name}</h2>
        <dl class="facts">
          <dt>Email</dt>
          <dd>{me.user.email}</dd>
          <dt>Role</dt>
          <dd>{me.user.role}</dd>
          <dt>This device</dt>
          <dd>{me.device.name}</dd>
          <dt>Automatic sign-out</dt>
          <dd>after {formatDuration(me.idle_timeout)} without activity</dd>
        </dl>
        <button onClick={() => void w.signOut()} id="sign-out">
          Sign out
        </button>
      </section>

      {(canMessage(me.user.role) || me.user.role === "compliance") && <Notifications />}
      {me.user.role !== "guest" && <NotificationPrefs />}

      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Where you are signed in</h2>
        <ErrorLine error={error} />
        {sessions === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <div class="table-wrap">
            <table id="sessions">
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Address</th>
                  <th scope="col">Last active</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {deviceName(s.device_id)} {s.current && <span class="badge">This session</span>}
                    </td>
                    <td>{s.ip}</td>
                    <td>{formatDateTime(s.last_seen_at)}</td>
                    <td>{formatDateTime(s.expires_at)}</td>
                    <td>
                      {!s.current && (
                        <button
                          class="small"
                          onClick={async () => {
                            try {
                              await w.api.del(`/api/v1/sessions/${encodeURIComponent(s.id)}`);
                              await load();
                            } catch (e) {
                              setError(errorText(e));
                            }
                          }}
                        >
                          Sign out
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!confirmAll ? (
          <button class="danger" onClick={() => setConfirmAll(true)} id="sign-out-everywhere">
            Sign out everywhere
          </button>
        ) : (
          <div class="confirm" role="group" aria-label="Confirm sign out everywhere">
            <span>Sign out of ward on every device, this one included?</span>
            <button
              class="danger"
              ref={focusOnMount}
              onClick={() => w.signOutEverywhere().catch((e) => setError(errorText(e)))}
              id="sign-out-everywhere-confirm"
            >
              Yes, sign out everywhere
            </button>
            <button onClick={() => setConfirmAll(false)}>Cancel</button>
          </div>
        )}
      </section>

      <Passkeys />

      <section class="card" aria-labelledby="devices-title">
        <h2 id="devices-title">Your devices</h2>
        <ul class="plain">
          {devices.map((d) => (
            <li key={d.id}>
              <strong>{d.name}</strong> <span class={"badge st-" + d.status}>{d.status}</span>{" "}
              <span class="muted small">last seen {formatDateTime(d.last_seen_at)}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at?: string;
}

// Passkeys: this account's passkeys (a second factor); add one, remove one.
function Passkeys() {
  const w = useWard();
  const [list, setList] = useState<Passkey[] | null>(null);
  const [name, setName] = useState(w.device.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [removing, setRemoving] = useState("");
  // retry is the change that waits for the password: the server asks for
  // it (reauth_required) when the sign-in is more than a few minutes old.
  const [retry, setRetry] = useState<null | (() => Promise<void>)>(null);
  const [password, setPassword] = useState("");

  // guarded runs a passkey change; when the server wants the password
  // first, it asks for it and runs the change again once confirmed.
  async function guarded(change: () => Promise<void>) {
    try {
      await change();
    } catch (e) {
      if (e instanceof ApiError && e.code === "reauth_required") {
        setRetry(() => change);
        return;
      }
      throw e;
    }
  }

  async function confirmPassword(e: Event) {
    e.preventDefault();
    setError("");
    setBusy(true);
    try {
      await w.api.post("/api/v1/sessions/current/reauth", { password });
      setPassword("");
      const change = retry;
      setRetry(null);
      if (change) await change();
    } catch (e) {
      setError(e instanceof Error && e.name !== "Error" ? passkeyErrorText(e) : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function load() {
    try {
      const r = await w.api.get<{ passkeys: Passkey[] | null }>("/api/v1/mfa/webauthn");
      setList(r.passkeys ?? []);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    setDone("");
    try {
      await guarded(async () => {
        const r = await w.addPasskey(name);
        setDone("Passkey added. You can use it the next time you sign in.");
        if (r.recovery_codes?.length) setCodes(r.recovery_codes);
        await load();
      });
    } catch (e) {
      setError(e instanceof Error && e.name !== "Error" ? passkeyErrorText(e) : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove(id: string) {
    setError("");
    setDone("");
    try {
      await guarded(async () => {
        await w.api.del(`/api/v1/mfa/webauthn/${encodeURIComponent(id)}`);
        setRemoving("");
        await load();
      });
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section class="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p class="muted small">
        A passkey is a second step at sign-in: this device's fingerprint, face or PIN, or a security key.
      </p>
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p id="passkeys-none">No passkeys yet.</p>
      ) : (
        <ul class="plain" id="passkeys">
          {list.map((k) => (
            <li key={k.id}>
              <strong>{k.name || "Passkey"}</strong>{" "}
              <span class="muted small">
                added {formatDateTime(k.created_at)}
                {k.last_used_at ? `, last used ${formatDateTime(k.last_used_at)}` : ""}
              </span>{" "}
              {removing === k.id ? (
                <span class="confirm" role="group" aria-label={`Remove ${k.name}?`}>
                  <span>Remove this passkey?</span>
                  <button class="small danger" ref={focusOnMount} onClick={() => void remove(k.id)}>
                    Remove
                  </button>
                  <button class="small" onClick={() => setRemoving("")}>
                    Keep
                  </button>
                </span>
              ) : (
                <button class="small linklike" onClick={() => setRemoving(k.id)}>
                  Remove<span class="sr-only"> {k.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {passkeysSupported() ? (
        <form class="row" onSubmit={add} aria-label="Add a passkey">
          <label for="new-passkey-name" class="sr-only">
            Name for the new passkey
          </label>
          <input id="new-passkey-name" maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" id="add-passkey" disabled={busy}>
            {busy ? "Waiting for your passkey…" : "Add a passkey"}
          </button>
        </form>
      ) : (
        <p class="muted small">This browser cannot create passkeys.</p>
      )}
      {retry && (
        <form class="row" onSubmit={confirmPassword} aria-label="Confirm it is you" id="reauth">
          <label for="reauth-password">Confirm it is you: your password</label>
          <input
            id="reauth-password"
            type="password"
            autocomplete="current-password"
            required
            ref={focusOnMount}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
          <button
            type="button"
            class="small"
            onClick={() => {
              setRetry(null);
              setPassword("");
            }}
          >
            Cancel
          </button>
        </form>
      )}
      <ErrorLine error={error} />
      {done && (
        <p class="ok-line" role="status" id="passkey-added">
          {done}
        </p>
      )}
      {codes && (
        <div class="notice">
          <p>
            <strong>Save your recovery codes.</strong> Each signs you in once if you lose your passkey. They are shown
            only now.
          </p>
          <ol class="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <button class="small" onClick={() => setCodes(null)}>
            I have saved these codes
          </button>
        </div>
      )}
    </section>
  );
}

// Notifications: the user opts this device in to Web Push (the browser asks
// for permission only then). A notification says only what kind of thing
// waits; the message is read in ward, signed in.
function Notifications() {
  const w = useWard();
  const [state, setState] = useState<PushState | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    pushState(browserPushEnv())
      .then(setState)
      .catch(() => setState("unsupported"));
  }, []);
  async function toggle() {
    setError("");
    try {
      if (state === "on") {
        await disablePush(w.api, browserPushEnv());
        setState("off");
      } else setState(await enablePush(w.api, browserPushEnv()));
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <section class="card" aria-labelledby="push-title">
      <h2 id="push-title">Notifications on this device</h2>
      <ErrorLine error={error} />
      {state === null ? (
        <p class="muted">Checking…</p>
      ) : state === "unsupported" ? (
        <p class="muted">This browser cannot show ward's notifications.</p>
      ) : state === "denied" ? (
        <p class="muted">Notifications are blocked for ward in this browser's settings.</p>
      ) : (
        <>
          <p class="muted">
            {state === "on"
              ? "This device is told when a message waits for you (never what it says)."
              : "Get told on this device when a message waits for you, even with ward closed."}
          </p>
          <button id="push-toggle" onClick={() => void toggle()}>
            {state === "on" ? "Turn off notifications" : "Turn on notifications"}
          </button>
        </>
      )}
    </section>
  );
}
