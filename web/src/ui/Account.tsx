import { useEffect, useState } from "preact/hooks";
import type { Device, Session } from "../api";
import { formatDuration } from "../client";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime, focusOnMount } from "./common";

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
