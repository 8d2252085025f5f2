import { useEffect, useState } from "preact/hooks";
import type { User } from "../api";
import {
  addMonths,
  calendar,
  canAddressOnCall,
  handOvers,
  instantOf,
  localISO,
  monthGrid,
  monthRange,
  moveItem,
  oncallEndpoints as ep,
  rotationBody,
  rotationForm,
  rotationProblem,
  timeZones,
  untilText,
  type OnCall,
  type OnCallRole,
  type RotationForm,
} from "../oncall";
import { endpoints } from "../client";
import { useStore } from "../store";
import { useWard } from "./context";
import { ErrorLine, errorText, focusOnMount } from "./common";
import { AdminFrame } from "./Admin";

// The on-call screens (docs/oncall.md, docs/web.md): the admin console's
// On-call page (roles, the schedule editor, overrides and swaps, a month
// calendar per role) and the workforce's "On call now" page, from which
// clinicians and staff message or page a role.

type Run = (call: () => Promise<unknown>) => Promise<boolean>;

// browserZone is the viewer's IANA time zone, a new rotation's default.
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const supportedZones = (): string[] => {
  const i = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return i.supportedValuesOf ? i.supportedValuesOf("timeZone") : [];
};
const todayIn = (zone: string) => localISO(Date.now(), zone).slice(0, 10);

// onCallStaff is who may be in a rotation: active clinicians and staff.
function onCallStaff(users: Record<string, User>): User[] {
  return Object.values(users)
    .filter((u) => !u.disabled && (u.role === "clinician" || u.role === "staff"))
    .sort((a, b) => a.name.localeCompare(b.name));
}

// ---- the admin console ----

export function AdminOnCall() {
  const w = useWard();
  const st = useStore(w.store);
  const [roles, setRoles] = useState<OnCallRole[] | null>(null);
  const [error, setError] = useState("");
  const [creating, setCreating] = useState(false);

  async function load() {
    try {
      const r = await w.api.get<{ roles: OnCallRole[] }>(ep.roles);
      setRoles(r.roles.sort((a, b) => a.name.localeCompare(b.name)));
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    if (Object.keys(st.users).length === 0) void w.loadDirectory();
  }, []);

  return (
    <AdminFrame tab="oncall">
      <ErrorLine error={error} id="oncall-error" />
      {creating ? (
        <NewRole
          users={st.users}
          onDone={async (made) => {
            setCreating(false);
            if (made) await load();
          }}
        />
      ) : (
        <div class="row">
          <button class="primary" id="new-oncall-role" onClick={() => setCreating(true)}>
            New on-call role
          </button>
        </div>
      )}
      {roles === null ? (
        <p class="muted">Loading…</p>
      ) : roles.length === 0 ? (
        <p class="muted">No on-call roles yet.</p>
      ) : (
        <div class="stack" id="oncall-roles">
          {roles.map((r) => (
            <RoleCard key={r.id} role={r} users={st.users} reload={load} />
          ))}
        </div>
      )}
    </AdminFrame>
  );
}

function NewRole(props: { users: Record<string, User>; onDone: (made: boolean) => void }) {
  const w = useWard();
  const zone = browserZone();
  const [name, setName] = useState("");
  const [form, setForm] = useState<RotationForm>(rotationForm(undefined, zone, todayIn(zone)));
  const [error, setError] = useState("");

  async function submit(e: Event) {
    e.preventDefault();
    setError("");
    if (!name.trim()) return setError("Name the role, for example “Cardiology on call”.");
    const problem = rotationProblem(form);
    if (problem) return setError(problem);
    try {
      await w.api.post(ep.roles, { name: name.trim(), schedule: { rotation: rotationBody(form), overrides: [], swaps: [] } });
      props.onDone(true);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <form class="card stack" id="oncall-new" onSubmit={submit} aria-labelledby="oncall-new-title">
      <h2 id="oncall-new-title">New on-call role</h2>
      <label for="oncall-new-name">Name (for example “Cardiology on call”)</label>
      <input id="oncall-new-name" required maxLength={100} ref={focusOnMount} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <RotationFields idp="oncall-new" form={form} users={props.users} onChange={setForm} />
      <ErrorLine error={error} id="oncall-new-error" />
      <div class="row">
        <button class="primary" type="submit">
          Create role
        </button>
        <button type="button" onClick={() => props.onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// RotationFields edits a rotation: kind, shift length, hand-over time, time
// zone, start and end dates, and the people in order.
// onChange takes an update of the form as it stands (events that come
// together, such as autofill, each see the one before).
function RotationFields(props: {
  idp: string;
  form: RotationForm;
  users: Record<string, User>;
  onChange: (update: (f: RotationForm) => RotationForm) => void;
}) {
  const { idp, form: f, users } = props;
  const set = (patch: Partial<RotationForm> | ((f: RotationForm) => Partial<RotationForm>)) =>
    props.onChange((cur) => ({ ...cur, ...(typeof patch === "function" ? patch(cur) : patch) }));
  const [pick, setPick] = useState("");
  const staff = onCallStaff(users).filter((u) => !f.people.includes(u.id));
  const zones = timeZones(f.time_zone, supportedZones());
  return (
    <fieldset class="stack oncall-rotation">
      <legend>Rotation</legend>
      <div class="row">
        <label for={idp + "-kind"}>Shifts</label>
        <select id={idp + "-kind"} value={f.kind} onChange={(e) => set({ kind: e.currentTarget.value as RotationForm["kind"] })}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="custom">Every few days</option>
        </select>
        {f.kind === "custom" && (
          <>
            <label for={idp + "-days"}>Days per shift</label>
            <input id={idp + "-days"} type="number" min={1} max={365} value={f.days} onInput={(e) => set({ days: Number(e.currentTarget.value) })} />
          </>
        )}
        <label for={idp + "-handover"}>Hand-over at</label>
        <input id={idp + "-handover"} type="time" required value={f.hand_over} onInput={(e) => set({ hand_over: e.currentTarget.value })} />
      </div>
      <div class="row">
        <label for={idp + "-zone"}>Time zone</label>
        <select id={idp + "-zone"} value={f.time_zone} onChange={(e) => set({ time_zone: e.currentTarget.value })}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <label for={idp + "-start"}>First shift on</label>
        <input id={idp + "-start"} type="date" required value={f.start} onInput={(e) => set({ start: e.currentTarget.value })} />
        <label for={idp + "-end"}>Ends on (optional)</label>
        <input id={idp + "-end"} type="date" value={f.end} onInput={(e) => set({ end: e.currentTarget.value })} />
      </div>
      <p class="muted small">People take the role in this order, and round again.</p>
      {f.people.length === 0 ? (
        <p class="muted small">No one yet.</p>
      ) : (
        <ol class="oncall-people" id={idp + "-people"}>
          {f.people.map((id, i) => {
            const n = users[id]?.name ?? id;
            return (
              <li key={id} data-person={id}>
                <span class="oncall-person">{n}</span>{" "}
                <button type="button" class="small" disabled={i === 0} onClick={() => set((c) => ({ people: moveItem(c.people, i, -1) }))}>
                  ↑<span class="sr-only"> Move {n} up</span>
                </button>
                <button type="button" class="small" disabled={i === f.people.length - 1} onClick={() => set((c) => ({ people: moveItem(c.people, i, 1) }))}>
                  ↓<span class="sr-only"> Move {n} down</span>
                </button>
                <button type="button" class="small" onClick={() => set((c) => ({ people: c.people.filter((p) => p !== id) }))}>
                  Remove<span class="sr-only"> {n}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {staff.length > 0 && (
        <div class="row">
          <label class="sr-only" for={idp + "-add"}>
            Add a clinician or staff member to the rotation
          </label>
          <select id={idp + "-add"} value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
            <option value="">Add a person…</option>
            {staff.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.role})
              </option>
            ))}
          </select>
          <button
            type="button"
            class="small"
            id={idp + "-add-person"}
            disabled={!pick}
            onClick={() => {
              set((c) => ({ people: c.people.includes(pick) ? c.people : [...c.people, pick] }));
              setPick("");
            }}
          >
            Add
          </button>
        </div>
      )}
    </fieldset>
  );
}

function RoleCard(props: { role: OnCallRole; users: Record<string, User>; reload: () => Promise<void> }) {
  const w = useWard();
  const r = props.role;
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0); // moves the calendar on after a change

  const run: Run = async (call) => {
    setError("");
    try {
      await call();
      await props.reload();
      setVersion((v) => v + 1);
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };

  async function rename(e: Event) {
    e.preventDefault();
    if (renaming === null) return;
    if (await run(() => w.api.patch(ep.role(r.id), { name: renaming.trim() }))) setRenaming(null);
  }

  const rot = r.schedule.rotation;
  const people = rot.people.map((id) => props.users[id]?.name ?? id).join(", ");
  const every = rot.kind === "daily" ? "Daily" : rot.kind === "weekly" ? "Weekly" : `Every ${rot.days} days`;
  return (
    <section class="card stack oncall-role" aria-labelledby={"role-" + r.id} data-role={r.name}>
      {renaming === null ? (
        <div class="row">
          <h2 id={"role-" + r.id}>{r.name}</h2>
          <button class="small" onClick={() => setRenaming(r.name)}>
            Rename<span class="sr-only"> {r.name}</span>
          </button>
          {confirmDelete ? (
            <span class="confirm" role="group" aria-label={`Confirm deleting ${r.name}`}>
              <span>Delete this role?</span>
              <button class="small danger confirm-yes" ref={focusOnMount} onClick={() => void run(() => w.api.del(ep.role(r.id)))}>
                Yes, delete
              </button>
              <button class="small" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button class="small danger" onClick={() => setConfirmDelete(true)}>
              Delete<span class="sr-only"> {r.name}</span>
            </button>
          )}
        </div>
      ) : (
        <form class="row" onSubmit={rename}>
          <h2 id={"role-" + r.id} class="sr-only">
            {r.name}
          </h2>
          <label class="sr-only" for={"rename-role-" + r.id}>
            New name of {r.name}
          </label>
          <input id={"rename-role-" + r.id} required maxLength={100} ref={focusOnMount} value={renaming} onInput={(e) => setRenaming(e.currentTarget.value)} />
          <button class="small primary" type="submit">
            Save
          </button>
          <button class="small" type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      )}
      <p class="muted small oncall-summary">
        {every}, hand-over at {rot.hand_over} ({rot.time_zone}), from {rot.start}
        {rot.end ? ` to ${rot.end}` : ""}: {people}
      </p>
      <ErrorLine error={error} id={"role-error-" + r.id} />
      {editing ? (
        <ScheduleEditor role={r} users={props.users} run={run} onClose={() => setEditing(false)} />
      ) : (
        <div class="row">
          <button class="small" onClick={() => setEditing(true)}>
            Edit schedule<span class="sr-only"> of {r.name}</span>
          </button>
        </div>
      )}
      <Exceptions role={r} users={props.users} run={run} />
      <MonthCalendar role={r} version={version} />
    </section>
  );
}

// ScheduleEditor replaces a role's rotation (keeping its overrides and
// swaps): the server checks the whole schedule and says where a gap or an
// overlap is.
function ScheduleEditor(props: { role: OnCallRole; users: Record<string, User>; run: Run; onClose: () => void }) {
  const w = useWard();
  const r = props.role;
  const [form, setForm] = useState<RotationForm>(rotationForm(r.schedule.rotation, browserZone(), todayIn(browserZone())));
  const [error, setError] = useState("");
  const idp = "sched-" + r.id;

  async function save(e: Event) {
    e.preventDefault();
    const problem = rotationProblem(form);
    setError(problem);
    if (problem) return;
    const body = { rotation: rotationBody(form), overrides: r.schedule.overrides, swaps: r.schedule.swaps };
    try {
      await w.api.put(ep.schedule(r.id), body);
    } catch (err) {
      return setError(errorText(err));
    }
    await props.run(async () => {});
    props.onClose();
  }

  return (
    <form class="stack oncall-editor" id={idp} onSubmit={save} aria-label={`Schedule of ${r.name}`}>
      <RotationFields idp={idp} form={form} users={props.users} onChange={setForm} />
      <ErrorLine error={error} id={idp + "-error"} />
      <div class="row">
        <button class="primary small" type="submit">
          Save schedule
        </button>
        <button class="small" type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// Exceptions lists and edits a role's overrides and swaps. Times are typed
// in the role's time zone.
function Exceptions(props: { role: OnCallRole; users: Record<string, User>; run: Run }) {
  const w = useWard();
  const r = props.role;
  const tz = r.schedule.rotation.time_zone;
  const name = (id: string) => props.users[id]?.name ?? id;
  const when = (iso: string) => localISO(Date.parse(iso), tz).replace("T", " ");
  const [ov, setOv] = useState({ user: "", from: "", to: "" });
  const [sw, setSw] = useState({ a: "", b: "" });
  const [error, setError] = useState("");
  const idp = "exc-" + r.id;

  async function call(fn: () => Promise<unknown>, reset: () => void) {
    setError("");
    try {
      await fn();
    } catch (e) {
      return setError(errorText(e));
    }
    reset();
    await props.run(async () => {});
  }
  function addOverride(e: Event) {
    e.preventDefault();
    const from = instantOf(ov.from, tz);
    const to = instantOf(ov.to, tz);
    if (!ov.user || !from || !to) return setError("Choose who covers, and from when until when.");
    void call(() => w.api.post(ep.overrides(r.id), { user_id: ov.user, from, to }), () => setOv({ user: "", from: "", to: "" }));
  }
  function addSwap(e: Event) {
    e.preventDefault();
    const a = instantOf(sw.a, tz);
    const b = instantOf(sw.b, tz);
    if (!a || !b) return setError("Choose a time in each of the two shifts to swap.");
    void call(() => w.api.post(ep.swaps(r.id), { a, b }), () => setSw({ a: "", b: "" }));
  }

  return (
    <details class="oncall-exceptions" id={idp}>
      <summary>
        Overrides ({r.schedule.overrides.length}) and swaps ({r.schedule.swaps.length})
      </summary>
      <div class="stack">
        <h3>Overrides</h3>
        <p class="muted small">Someone of the rotation covers a span of time, whatever the rotation says. Times in {tz}.</p>
        {r.schedule.overrides.length > 0 && (
          <ul class="members" id={idp + "-overrides"}>
            {r.schedule.overrides.map((o) => (
              <li key={o.id} data-override={o.id}>
                {name(o.user_id)} from {when(o.from)} to {when(o.to)}{" "}
                <button class="small" onClick={() => void call(() => w.api.del(ep.override(r.id, o.id)), () => {})}>
                  Remove<span class="sr-only"> the override of {name(o.user_id)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <form class="row" onSubmit={addOverride} id={idp + "-add-override"}>
          <label for={idp + "-ov-user"}>Who</label>
          <select id={idp + "-ov-user"} value={ov.user} onChange={(e) => {
              const x = v(e);
              setOv((o) => ({ ...o, user: x }));
            }}>
            <option value="">Choose…</option>
            {r.schedule.rotation.people.map((id) => (
              <option key={id} value={id}>
                {name(id)}
              </option>
            ))}
          </select>
          <label for={idp + "-ov-from"}>From</label>
          <input id={idp + "-ov-from"} type="datetime-local" value={ov.from} onInput={(e) => {
              const x = v(e);
              setOv((o) => ({ ...o, from: x }));
            }} />
          <label for={idp + "-ov-to"}>Until</label>
          <input id={idp + "-ov-to"} type="datetime-local" value={ov.to} onInput={(e) => {
              const x = v(e);
              setOv((o) => ({ ...o, to: x }));
            }} />
          <button class="small" type="submit">
            Add override
          </button>
        </form>
        <h3>Swaps</h3>
        <p class="muted small">Two people exchange shifts: name a time in each shift. Times in {tz}.</p>
        {r.schedule.swaps.length > 0 && (
          <ul class="members" id={idp + "-swaps"}>
            {r.schedule.swaps.map((s) => (
              <li key={s.id} data-swap={s.id}>
                The shift at {when(s.a)} with the shift at {when(s.b)}{" "}
                <button class="small" onClick={() => void call(() => w.api.del(ep.swap(r.id, s.id)), () => {})}>
                  Undo<span class="sr-only"> the swap of {when(s.a)} and {when(s.b)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <form class="row" onSubmit={addSwap} id={idp + "-add-swap"}>
          <label for={idp + "-sw-a"}>The shift at</label>
          <input id={idp + "-sw-a"} type="datetime-local" value={sw.a} onInput={(e) => {
              const x = v(e);
              setSw((o) => ({ ...o, a: x }));
            }} />
          <label for={idp + "-sw-b"}>with the shift at</label>
          <input id={idp + "-sw-b"} type="datetime-local" value={sw.b} onInput={(e) => {
              const x = v(e);
              setSw((o) => ({ ...o, b: x }));
            }} />
          <button class="small" type="submit">
            Swap
          </button>
        </form>
        <ErrorLine error={error} id={idp + "-error"} />
      </div>
    </details>
  );
}

// v is the value of the field an event came from: read it at once, the
// update runs later.
const v = (e: { currentTarget: { value: string } }) => e.currentTarget.value;

const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// MonthCalendar shows who is on call each day of a month, in the role's
// time zone, with the hand-over times; overrides and swaps are marked.
function MonthCalendar(props: { role: OnCallRole; version: number }) {
  const w = useWard();
  const r = props.role;
  const tz = r.schedule.rotation.time_zone;
  const [month, setMonth] = useState(todayIn(tz).slice(0, 7));
  // The shifts held, with the month, zone and schedule version they are
  // of: a month is shown empty until its own shifts arrive.
  const [held, setHeld] = useState<{ key: string; shifts: OnCall[] } | null>(null);
  const [error, setError] = useState("");
  const key = [month, tz, r.version, props.version].join(" ");
  const shifts = held?.key === key ? held.shifts : null;

  useEffect(() => {
    let stale = false;
    const { from, to } = monthRange(month, tz);
    setError("");
    w.api
      .get<{ shifts: OnCall[] }>(ep.shifts(r.id, from, to))
      .then((a) => !stale && setHeld({ key, shifts: a.shifts }))
      .catch((e) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [r.id, r.version, month, tz, props.version]);

  const grid = monthGrid(month);
  const cells = shifts ? Object.fromEntries(calendar(shifts, month + "-01", grid.flat().filter(Boolean).length, tz).map((c) => [c.day, c])) : {};
  const title = new Date(month + "-15T12:00:00Z").toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
  const mark = (s: OnCall["source"]) => (s === "override" ? " (override)" : s === "swap" ? " (swap)" : "");
  return (
    <div class="oncall-calendar" data-month={month} data-loaded={shifts ? "yes" : undefined}>
      <div class="row">
        <button class="small" onClick={() => setMonth(addMonths(month, -1))} aria-label={`Previous month of ${r.name}`}>
          ←
        </button>
        <h3 class="oncall-month" aria-live="polite">
          {title}
        </h3>
        <button class="small" onClick={() => setMonth(addMonths(month, 1))} aria-label={`Next month of ${r.name}`}>
          →
        </button>
        <span class="muted small">{tz}</span>
      </div>
      <ErrorLine error={error} />
      <div class="table-wrap">
        <table class="calendar" aria-label={`${r.name}, ${title}`}>
          <thead>
            <tr>
              {weekdays.map((d) => (
                <th key={d} scope="col">
                  {d}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.map((week, i) => (
              <tr key={i}>
                {week.map((day, j) =>
                  day === null ? (
                    <td key={j} class="blank" />
                  ) : (
                    <td key={day} data-day={day}>
                      <div class="day-number">{Number(day.slice(8))}</div>
                      {(cells[day]?.entries ?? []).map((e, k) => (
                        <div key={k} class={"who" + (e.source ? " " + e.source : "") + (e.user_name ? "" : " nobody")}>
                          {e.user_name || "No one"}
                          {mark(e.source)}
                        </div>
                      ))}
                      {shifts &&
                        handOvers(shifts, day, tz).map((h, k) => (
                          <div key={"h" + k} class="handover muted small">
                            {h.at} → {h.user_name || "no one"}
                          </div>
                        ))}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ---- on call now ----

// OnCallNow is who holds every role now, each with until when; clinicians
// and staff message or page the role from here.
export function OnCallNow() {
  const w = useWard();
  const st = useStore(w.store);
  const [now, setNow] = useState<OnCall[] | null>(null);
  const [error, setError] = useState("");
  const me = st.me?.user.id ?? "";
  const address = canAddressOnCall(st.me?.user.role);

  async function load() {
    try {
      const a = await w.api.get<{ on_call: OnCall[] }>(ep.now);
      setNow(a.on_call);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 60_000); // hand-overs happen while the page is open
    return () => clearInterval(t);
  }, []);

  return (
    <div class="pad stack">
      <h1>On call now</h1>
      <ErrorLine error={error} />
      {now === null ? (
        <p class="muted">Loading…</p>
      ) : now.length === 0 ? (
        <p class="muted">No on-call roles yet: an administrator makes them.</p>
      ) : (
        <ul class="oncall-now" id="oncall-now">
          {now.map((o) => (
            <NowRow key={o.role_id} o={o} me={me} address={address} />
          ))}
        </ul>
      )}
    </div>
  );
}

function NowRow(props: { o: OnCall; me: string; address: boolean }) {
  const w = useWard();
  const { o } = props;
  const [paging, setPaging] = useState(false);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [clientID] = useState(() => "page-" + crypto.randomUUID());
  const mine = o.user_id !== "" && o.user_id === props.me;

  // opened remembers the label the answer gave and opens the thread.
  async function opened(conversationID: string, label: string) {
    w.store.set((s) => ({ onCallLabels: { ...s.onCallLabels, [conversationID]: label } }));
    await w.loadConversations();
    w.navigate(`/c/${conversationID}`);
  }
  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setError("");
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  const message = () =>
    act(async () => {
      const a = await w.api.post<{ id: string; on_call?: OnCall }>(endpoints.conversations, { kind: "direct", role_id: o.role_id });
      await opened(a.id, a.on_call?.label ?? o.label);
    });
  const page = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return setError("Write what the page is about.");
    void act(async () => {
      const a = await w.api.post<{ conversation_id: string; on_call: OnCall }>(ep.page(o.role_id), { client_id: clientID, body: text });
      await opened(a.conversation_id, a.on_call.label);
    });
  };

  return (
    <li class="card stack" data-role={o.role_name} data-user={o.user_id}>
      <div class="row">
        <h2 class="oncall-role-name">{o.role_name}</h2>
        {o.source === "override" && <span class="badge">override</span>}
        {o.source === "swap" && <span class="badge">swap</span>}
      </div>
      {o.user_id ? (
        <p class="oncall-who">
          <strong>{mine ? "You" : o.user_name}</strong> <span class="muted">{untilText(o.until) || "with no end set"}</span>
        </p>
      ) : (
        <p class="oncall-who muted">No one is on call now.</p>
      )}
      {props.address && o.user_id && !mine && (
        <div class="row">
          <button class="small" disabled={busy} onClick={() => void message()}>
            Message<span class="sr-only"> {o.role_name}</span>
          </button>
          <button class="small danger" disabled={busy} onClick={() => setPaging(!paging)} aria-expanded={paging}>
            Page<span class="sr-only"> {o.role_name}</span>
          </button>
        </div>
      )}
      {paging && (
        <form class="stack oncall-page" onSubmit={page}>
          <label for={"page-" + o.role_id}>Urgent page to {o.label}</label>
          <textarea id={"page-" + o.role_id} ref={focusOnMount} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="row">
            <button class="primary danger" type="submit" disabled={busy}>
              Send urgent page
            </button>
            <button type="button" onClick={() => setPaging(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorLine error={error} />
    </li>
  );
}
