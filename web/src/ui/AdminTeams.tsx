import { useEffect, useState } from "preact/hooks";
import type { User } from "../api";
import { candidates, maxTeamNameLength, teamNameProblem, type Team } from "../teams";
import { useWard } from "./context";
import { ErrorLine, errorText, focusOnMount } from "./common";
import { AdminFrame } from "./Admin";
import { SavedReplies, TeamHoursEditor } from "./Replies";

// AdminTeams is the care teams screen: list, create, rename, delete, and
// add or remove members (clinicians and staff).
export function AdminTeams() {
  const w = useWard();
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState("");
  const [name, setName] = useState("");

  async function load() {
    try {
      const r = await w.api.get<{ teams: Team[] }>("/api/v1/teams");
      setTeams(r.teams);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
    w.api
      .get<{ users: User[] }>("/api/v1/users")
      .then((r) => setUsers(r.users))
      .catch(() => {});
  }, []);

  // run calls the API, then reloads the list; a refusal is shown.
  async function run(call: () => Promise<unknown>): Promise<boolean> {
    setError("");
    try {
      await call();
      await load();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  }

  async function create(e: Event) {
    e.preventDefault();
    const problem = teamNameProblem(name, teams ?? []);
    if (problem) return setError(problem);
    if (await run(() => w.api.post("/api/v1/teams", { name: name.trim() }))) setName("");
  }

  return (
    <AdminFrame tab="teams">
      <form class="card stack" onSubmit={create} aria-labelledby="new-team-title" id="new-team">
        <h2 id="new-team-title">New care team</h2>
        <label for="team-name">Name (for example “Cardiology clinic”)</label>
        <div class="row">
          <input
            id="team-name"
            required
            maxLength={maxTeamNameLength}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <button class="primary" type="submit">
            Create
          </button>
        </div>
      </form>
      <ErrorLine error={error} id="teams-error" />
      {teams === null ? (
        <p class="muted">Loading…</p>
      ) : teams.length === 0 ? (
        <p class="muted">No care teams yet.</p>
      ) : (
        <div class="stack" id="teams">
          {teams.map((t) => (
            <TeamCard key={t.id} team={t} teams={teams} users={users} run={run} onError={setError} />
          ))}
        </div>
      )}
    </AdminFrame>
  );
}

function TeamCard(props: {
  team: Team;
  teams: Team[];
  users: User[];
  run: (call: () => Promise<unknown>) => Promise<boolean>;
  onError: (s: string) => void;
}) {
  const w = useWard();
  const t = props.team;
  const path = `/api/v1/teams/${encodeURIComponent(t.id)}`;
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [pick, setPick] = useState("");
  const options = candidates(t, props.users);

  async function rename(e: Event) {
    e.preventDefault();
    if (renaming === null) return;
    const problem = teamNameProblem(renaming, props.teams, t.id);
    if (problem) return props.onError(problem);
    if (await props.run(() => w.api.patch(path, { name: renaming.trim() }))) setRenaming(null);
  }
  async function add(e: Event) {
    e.preventDefault();
    if (!pick) return;
    if (await props.run(() => w.api.put(`${path}/members/${encodeURIComponent(pick)}`, {}))) setPick("");
  }

  return (
    <section class="card stack" aria-labelledby={"team-" + t.id} data-team={t.name}>
      {renaming === null ? (
        <div class="row">
          <h2 id={"team-" + t.id}>{t.name}</h2>
          <button class="small" onClick={() => setRenaming(t.name)}>
            Rename<span class="sr-only"> {t.name}</span>
          </button>
          {confirmDelete ? (
            <span class="confirm" role="group" aria-label={`Confirm deleting ${t.name}`}>
              <span>Delete this team?</span>
              <button class="small danger confirm-yes" ref={focusOnMount} onClick={() => void props.run(() => w.api.del(path))}>
                Yes, delete
              </button>
              <button class="small" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button class="small danger" onClick={() => setConfirmDelete(true)}>
              Delete<span class="sr-only"> {t.name}</span>
            </button>
          )}
        </div>
      ) : (
        <form class="row" onSubmit={rename}>
          <h2 id={"team-" + t.id} class="sr-only">
            {t.name}
          </h2>
          <label class="sr-only" for={"rename-" + t.id}>
            New name of {t.name}
          </label>
          <input
            id={"rename-" + t.id}
            required
            maxLength={maxTeamNameLength}
            ref={focusOnMount}
            value={renaming}
            onInput={(e) => setRenaming(e.currentTarget.value)}
          />
          <button class="small primary" type="submit">
            Save
          </button>
          <button class="small" type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      )}
      {t.members.length === 0 ? (
        <p class="muted small">No members yet.</p>
      ) : (
        <ul class="members">
          {t.members.map((m) => (
            <li key={m.user_id} data-member={m.user_id}>
              {m.name} <span class="muted small">{m.role}</span>{" "}
              <button
                class="small"
                onClick={() => void props.run(() => w.api.del(`${path}/members/${encodeURIComponent(m.user_id)}`))}
              >
                Remove<span class="sr-only"> {m.name} from {t.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {options.length > 0 && (
        <form class="row" onSubmit={add}>
          <label class="sr-only" for={"add-" + t.id}>
            Add a clinician or staff member to {t.name}
          </label>
          <select id={"add-" + t.id} value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
            <option value="">Add a member…</option>
            {options.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.role})
              </option>
            ))}
          </select>
          <button class="small" type="submit" disabled={!pick}>
            Add
          </button>
        </form>
      )}
      <details>
        <summary>Saved replies and hours</summary>
        <SavedReplies teamID={t.id} label={`Saved replies of ${t.name}`} />
        <TeamHoursEditor team={t} />
      </details>
    </section>
  );
}
