import { useEffect, useState } from "preact/hooks";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";
import {
  browserTimeZone,
  dndActive,
  dndPicks,
  hasPresence,
  prefsSummary,
  presenceLabels,
  quietHoursError,
  type NotificationPrefs as Prefs,
  type Presence,
} from "../notifications";

// NotificationPrefs: what wakes the user, quiet hours, do-not-disturb and
// (staff) presence. Urgent messages always notify.
export function NotificationPrefs() {
  const w = useWard();
  const role = w.store.get().me?.user.role;
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [quiet, setQuiet] = useState(false);
  const [from, setFrom] = useState("22:00");
  const [to, setTo] = useState("07:00");
  const [zone, setZone] = useState(browserTimeZone());
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  function show(p: Prefs) {
    setPrefs(p);
    setQuiet(p.quiet_hours !== null);
    if (p.quiet_hours) {
      setFrom(p.quiet_hours.from);
      setTo(p.quiet_hours.to);
      setZone(p.quiet_hours.time_zone);
    }
  }
  useEffect(() => {
    w.api
      .get<Prefs>("/api/v1/me/notifications")
      .then(show)
      .catch((e) => setError(errorText(e)));
  }, []);

  async function save(change: Partial<Prefs>, what: string) {
    setError("");
    setSaved("");
    try {
      show(await w.api.put<Prefs>("/api/v1/me/notifications", change));
      setSaved(what);
    } catch (e) {
      setError(errorText(e));
    }
  }
  function saveQuiet(e: Event) {
    e.preventDefault();
    if (!quiet) return void save({ quiet_hours: null }, "Quiet hours off.");
    const q = { from, to, time_zone: zone };
    const bad = quietHoursError(q);
    if (bad) return setError(bad);
    void save({ quiet_hours: q }, "Quiet hours saved.");
  }

  if (!prefs)
    return (
      <section class="card" aria-labelledby="prefs-title">
        <h2 id="prefs-title">What notifies you</h2>
        <ErrorLine error={error} />
        {!error && <p class="muted">Loading…</p>}
      </section>
    );
  const now = new Date();
  const nm = prefs.new_message;
  const toggle = (k: keyof Prefs["new_message"]) => void save({ new_message: { ...nm, [k]: !nm[k] } }, "Saved.");
  return (
    <section class="card stack" aria-labelledby="prefs-title" id="notification-prefs">
      <h2 id="prefs-title">What notifies you</h2>
      <p class="muted" id="prefs-summary">
        {prefsSummary(prefs, now)} Urgent messages and escalations always notify you.
      </p>
      <ErrorLine error={error} />
      {saved && (
        <p class="ok small" role="status">
          {saved}
        </p>
      )}
      <fieldset>
        <legend>New messages in</legend>
        <label>
          <input type="checkbox" id="nm-direct" checked={nm.direct} onChange={() => toggle("direct")} /> Direct conversations
        </label>
        <label>
          <input type="checkbox" id="nm-group" checked={nm.group} onChange={() => toggle("group")} /> Groups
        </label>
        {role !== "patient" && (
          <label>
            <input type="checkbox" id="nm-team-inbox" checked={nm.team_inbox} onChange={() => toggle("team_inbox")} /> Team inbox
          </label>
        )}
      </fieldset>
      <form onSubmit={saveQuiet} class="stack">
        <label>
          <input type="checkbox" id="quiet-on" checked={quiet} onChange={() => setQuiet(!quiet)} /> Quiet hours every day
        </label>
        {quiet && (
          <div class="row">
            <label>
              From <input type="time" id="quiet-from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              to <input type="time" id="quiet-to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              Time zone <input id="quiet-zone" value={zone} size={18} onInput={(e) => setZone((e.target as HTMLInputElement).value)} />
            </label>
          </div>
        )}
        <button class="small" id="quiet-save">
          Save quiet hours
        </button>
      </form>
      <div class="stack">
        <h3>Do not disturb</h3>
        {dndActive(prefs, now) ? (
          <p>
            On until <span id="dnd-until">{formatDateTime(prefs.dnd_until!)}</span>.{" "}
            <button class="small secondary" id="dnd-off" onClick={() => void save({ dnd_until: null }, "Do not disturb off.")}>
              Turn off
            </button>
          </p>
        ) : (
          <p class="row">
            {dndPicks(now).map((p) => (
              <button
                class="small secondary"
                id={"dnd-" + p.id}
                key={p.id}
                onClick={() => void save({ dnd_until: p.until.toISOString() }, "Do not disturb on.")}
              >
                {p.label}
              </button>
            ))}
          </p>
        )}
      </div>
      {hasPresence(role) && (
        <label>
          Presence{" "}
          <select
            id="prefs-presence"
            value={prefs.presence}
            onChange={(e) => void save({ presence: (e.target as HTMLSelectElement).value as Presence }, "Presence saved.")}
          >
            {(Object.keys(presenceLabels) as Presence[]).map((p) => (
              <option value={p} key={p}>
                {presenceLabels[p]}
              </option>
            ))}
          </select>{" "}
          <span class="muted small">Off duty holds everything but urgent messages.</span>
        </label>
      )}
    </section>
  );
}
