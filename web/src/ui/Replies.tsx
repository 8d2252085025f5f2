import { useEffect, useState } from "preact/hooks";
import type { Team } from "../teams";
import { dayText, parseDay, parseHolidays, weekdays, type SavedReply, type TeamHours, type Window } from "../replies";
import { useWard } from "./context";
import { ErrorLine, errorText } from "./common";

const placeholderHelp = "Placeholders: {patient.first_name} {patient.last_name} {clinic.name} {clinic.phone} {staff.name}";

// SavedReplies lists, creates, edits and deletes a team's saved replies
// (teamID) or the caller's personal ones (teamID "").
export function SavedReplies(props: { teamID: string; label: string }) {
  const w = useWard();
  const [list, setList] = useState<SavedReply[] | null>(null);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<{ id: string; title: string; body: string } | null>(null);
  const key = props.teamID || "personal";

  async function load() {
    try {
      const q = props.teamID ? `?team_id=${encodeURIComponent(props.teamID)}` : "";
      const r = await w.api.get<{ replies: SavedReply[] }>(`/api/v1/replies${q}`);
      setList(r.replies.filter((x) => (props.teamID ? x.team_id === props.teamID : !!x.user_id)));
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
  }, [props.teamID]);

  async function save() {
    if (!editing) return;
    setError("");
    try {
      const body = { title: editing.title, body: editing.body };
      if (editing.id) await w.api.patch(`/api/v1/replies/${encodeURIComponent(editing.id)}`, body);
      else await w.api.post("/api/v1/replies", props.teamID ? { ...body, team_id: props.teamID } : { ...body, personal: true });
      setEditing(null);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function remove(r: SavedReply) {
    setError("");
    try {
      await w.api.del(`/api/v1/replies/${encodeURIComponent(r.id)}`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <div class="stack" data-replies={key}>
      <h3>{props.label}</h3>
      <ErrorLine error={error} id={"replies-error-" + key} />
      {list === null ? (
        <p class="muted small">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted small">No saved replies yet.</p>
      ) : (
        <ul class="members">
          {list.map((r) => (
            <li key={r.id} data-reply={r.title}>
              <strong>{r.title}</strong> <span class="muted small">{r.body}</span>{" "}
              <button class="small" type="button" onClick={() => setEditing({ id: r.id, title: r.title, body: r.body })}>
                Edit<span class="sr-only"> {r.title}</span>
              </button>{" "}
              <button class="small danger" type="button" onClick={() => void remove(r)}>
                Delete<span class="sr-only"> {r.title}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {editing ? (
        // Not a <form>: the composer's picker nests this inside the message form.
        <div class="stack" role="group" aria-label="Saved reply">
          <label for={"reply-title-" + key}>Title</label>
          <input
            id={"reply-title-" + key}
            maxLength={200}
            value={editing.title}
            onInput={(e) => setEditing({ ...editing, title: e.currentTarget.value })}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                void save();
              }
            }}
          />
          <label for={"reply-body-" + key}>Text</label>
          <textarea
            id={"reply-body-" + key}
            rows={3}
            maxLength={4000}
            value={editing.body}
            onInput={(e) => setEditing({ ...editing, body: e.currentTarget.value })}
          />
          <p class="muted small">{placeholderHelp}</p>
          <div class="row">
            <button class="small primary" type="button" onClick={() => void save()}>
              Save reply
            </button>
            <button class="small" type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button class="small" type="button" onClick={() => setEditing({ id: "", title: "", body: "" })}>
          New saved reply
        </button>
      )}
    </div>
  );
}

// TeamHoursEditor edits a team's weekly open hours, time zone, holidays
// and after-hours auto-reply.
export function TeamHoursEditor(props: { team: Team }) {
  const w = useWard();
  const path = `/api/v1/teams/${encodeURIComponent(props.team.id)}/hours`;
  const [zone, setZone] = useState("");
  const [days, setDays] = useState<string[]>(weekdays.map(() => ""));
  const [holidays, setHolidays] = useState("");
  const [auto, setAuto] = useState("");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  function show(h: TeamHours) {
    setZone(h.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone);
    setDays(weekdays.map((_, d) => dayText(h.open ?? [], d)));
    setHolidays((h.holidays ?? []).join(", "));
    setAuto(h.auto_reply ?? "");
  }
  useEffect(() => {
    w.api
      .get<TeamHours>(path)
      .then(show)
      .catch((e) => setError(errorText(e)));
  }, [path]);

  async function save(e: Event) {
    e.preventDefault();
    setError("");
    setSaved("");
    const open: Window[] = [];
    for (let d = 0; d < 7; d++) {
      const r = parseDay(days[d], d);
      if (typeof r === "string") return setError(r);
      open.push(...r);
    }
    const hs = parseHolidays(holidays);
    if (typeof hs === "string") return setError(hs);
    try {
      show(await w.api.put<TeamHours>(path, { time_zone: zone.trim(), open, holidays: hs, auto_reply: auto }));
      setSaved("Hours saved.");
    } catch (err) {
      setError(errorText(err));
    }
  }

  const id = (s: string) => `hours-${s}-${props.team.id}`;
  return (
    <form class="stack" onSubmit={save} data-hours={props.team.name}>
      <h3>Open hours and after-hours reply</h3>
      <label for={id("zone")}>Time zone (for example America/New_York)</label>
      <input id={id("zone")} required value={zone} onInput={(e) => setZone(e.currentTarget.value)} />
      {weekdays.map((name, d) => (
        <div class="row" key={name}>
          <label for={id("day" + d)}>{name}</label>
          <input
            id={id("day" + d)}
            placeholder="closed"
            value={days[d]}
            onInput={(e) => {
              const v = e.currentTarget.value;
              setDays((ds) => ds.map((x, i) => (i === d ? v : x)));
            }}
          />
        </div>
      ))}
      <label for={id("holidays")}>Holidays (YYYY-MM-DD, separated by commas)</label>
      <input id={id("holidays")} value={holidays} onInput={(e) => setHolidays(e.currentTarget.value)} />
      <label for={id("auto")}>Auto-reply after hours (empty: none)</label>
      <textarea id={id("auto")} rows={2} maxLength={4000} value={auto} onInput={(e) => setAuto(e.currentTarget.value)} />
      <p class="muted small">Placeholders: {"{clinic.name} {clinic.phone}"}</p>
      <ErrorLine error={error} id={id("error")} />
      {saved && <p class="muted small">{saved}</p>}
      <button class="small primary" type="submit">
        Save hours
      </button>
    </form>
  );
}

// RepliesPicker lets staff pick a saved reply (theirs and their teams'),
// renders it on the server for the conversation's patient record, if any,
// and hands the text to the composer for editing.
export function RepliesPicker(props: { patientID: string; onText: (text: string) => void }) {
  const w = useWard();
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<SavedReply[] | null>(null);
  const [error, setError] = useState("");
  const [teams, setTeams] = useState<Team[]>([]);
  const [manage, setManage] = useState(false);
  const me = w.store.get().me?.user.id ?? "";

  async function load() {
    setError("");
    try {
      const teams = (await w.api.get<{ teams: Team[] }>("/api/v1/teams")).teams.filter((t) => t.members.some((m) => m.user_id === me));
      setTeams(teams);
      const seen = new Map<string, SavedReply>();
      for (const q of ["", ...teams.map((t) => `?team_id=${encodeURIComponent(t.id)}`)]) {
        for (const r of (await w.api.get<{ replies: SavedReply[] }>(`/api/v1/replies${q}`)).replies) seen.set(r.id, r);
      }
      setList([...seen.values()]);
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function pick(r: SavedReply) {
    setError("");
    try {
      const out = await w.api.post<{ text: string }>(`/api/v1/replies/${encodeURIComponent(r.id)}/render`, props.patientID ? { patient_id: props.patientID } : {});
      props.onText(out.text);
      setOpen(false);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <span class="replies-picker">
      <button
        type="button"
        id="composer-replies"
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
          if (!open) void load();
        }}
      >
        Saved replies
      </button>
      {open && (
        <div class="card stack" id="replies-menu" role="group" aria-label="Saved replies">
          <ErrorLine error={error} />
          {list === null ? (
            <p class="muted small">Loading…</p>
          ) : list.length === 0 ? (
            <p class="muted small">No saved replies. Your team's are managed under Teams.</p>
          ) : (
            list.map((r) => (
              <button type="button" class="small" key={r.id} data-reply={r.title} onClick={() => void pick(r)}>
                {r.title}
              </button>
            ))
          )}
          <button
            type="button"
            class="small"
            id="replies-manage"
            aria-expanded={manage}
            onClick={() => {
              if (manage) void load();
              setManage(!manage);
            }}
          >
            {manage ? "Done" : "Manage saved replies"}
          </button>
          {manage && (
            <>
              <SavedReplies teamID="" label="My saved replies" />
              {teams.map((t) => (
                <SavedReplies key={t.id} teamID={t.id} label={`Saved replies of ${t.name}`} />
              ))}
            </>
          )}
        </div>
      )}
    </span>
  );
}
