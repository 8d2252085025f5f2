import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import type { Conversation } from "../messaging";
import { normConversation } from "../messaging";
import {
  changes,
  cleanFields,
  emptyFields,
  fieldProblems,
  formatBirthDate,
  patientFields,
  patientName,
  searchQuery,
  sexes,
  today,
  type FieldName,
  type Patient,
  type PatientFields,
  type Search,
} from "../patients";
import type { Team } from "../teams";
import { mergeProblem, mergeRefusal, mergeSummary, sideBySide } from "../merge";
import { useWard } from "./context";
import { PatientInvitations } from "./PatientInvitations";
import { ErrorLine, Link, errorText, focusOnMount, formatTime } from "./common";
import { lazy } from "./lazy";

// The break-glass panel lives with the compliance screens (staff.ts): a
// clinician's patient page fetches it.
const BreakGlassPanel = lazy(() => import("./staff").then((m) => m.BreakGlassPanel));

// The Patients screens, for clinicians and staff: their care teams'
// patients, a search by MRN or by date of birth and family name, a new
// patient form, and a patient's page. Every record the server answers is
// an audited read (patient.read).

const base = "/api/v1/patients";

// PatientsHome is /patients.
export function PatientsHome() {
  const w = useWard();
  const [mine, setMine] = useState<Patient[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");

  async function loadMine(after = "") {
    setError("");
    try {
      const r = await w.api.get<{ patients: Patient[]; next?: string }>(
        `${base}?limit=50` + (after ? "&after=" + encodeURIComponent(after) : ""),
      );
      setMine((m) => (after && m ? [...m, ...r.patients] : r.patients));
      setNext(r.next ?? "");
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void loadMine();
  }, []);

  return (
    <div class="pad stack" id="patients">
      <div class="row">
        <h1 ref={focusOnMount} tabIndex={-1}>
          Patients
        </h1>
        <span class="spacer" />
        <Link href="/patients/new" class="button primary" id="new-patient">
          New patient
        </Link>
      </div>
      <PatientSearch />
      <section class="card stack" aria-labelledby="mine-title">
        <h2 id="mine-title">My care teams' patients</h2>
        <ErrorLine error={error} />
        {mine === null ? (
          <p class="muted">Loading…</p>
        ) : mine.length === 0 ? (
          <p class="muted">No patients are assigned to your care teams yet.</p>
        ) : (
          <PatientList patients={mine} id="my-patients" />
        )}
        {next && (
          <button class="small" onClick={() => void loadMine(next)}>
            More patients
          </button>
        )}
      </section>
    </div>
  );
}

function PatientSearch() {
  const w = useWard();
  const [s, setS] = useState<Search>({ by: "mrn", mrn: "", birth_date: "", family_name: "" });
  const [found, setFound] = useState<Patient[] | null>(null);
  const [error, setError] = useState("");

  async function search(e: Event) {
    e.preventDefault();
    setError("");
    const q = searchQuery(s);
    if ("problem" in q) return setError(q.problem);
    try {
      setFound((await w.api.get<{ patients: Patient[] }>(`${base}?${q.query}`)).patients);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <form class="card stack" onSubmit={search} aria-labelledby="search-title" id="patient-search">
      <h2 id="search-title">Find a patient</h2>
      <fieldset class="row plain">
        <legend class="sr-only">Search by</legend>
        <label>
          <input type="radio" name="by" checked={s.by === "mrn"} onChange={() => setS({ ...s, by: "mrn" })} /> MRN
        </label>
        <label>
          <input type="radio" name="by" id="search-by-dob" checked={s.by === "dob"} onChange={() => setS({ ...s, by: "dob" })} /> Date of
          birth and family name
        </label>
      </fieldset>
      {s.by === "mrn" ? (
        <div class="field">
          <label for="search-mrn">MRN</label>
          <input id="search-mrn" maxLength={64} value={s.mrn} onInput={(e) => setS({ ...s, mrn: e.currentTarget.value })} />
        </div>
      ) : (
        <div class="row">
          <div class="field">
            <label for="search-dob">Date of birth</label>
            <input
              id="search-dob"
              type="date"
              max={today()}
              value={s.birth_date}
              onInput={(e) => setS({ ...s, birth_date: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="search-family">Family name</label>
            <input
              id="search-family"
              maxLength={200}
              value={s.family_name}
              onInput={(e) => setS({ ...s, family_name: e.currentTarget.value })}
            />
          </div>
        </div>
      )}
      <div class="row">
        <button class="primary" type="submit">
          Search
        </button>
      </div>
      <ErrorLine error={error} id="search-error" />
      {found !== null &&
        (found.length === 0 ? (
          <p class="muted" role="status">
            No patient matches.
          </p>
        ) : (
          <PatientList patients={found} id="search-results" />
        ))}
    </form>
  );
}

function PatientList(props: { patients: Patient[]; id: string }) {
  return (
    <ul class="people" id={props.id}>
      {props.patients.map((p) => (
        <li key={p.id} class="person" data-patient={p.id}>
          <Link href={`/patients/${encodeURIComponent(p.id)}`}>{patientName(p)}</Link>{" "}
          <span class="muted small">
            {formatBirthDate(p.birth_date)} · MRN {p.mrn}
            {p.status === "deactivated" ? " · deactivated" : ""}
          </span>
        </li>
      ))}
    </ul>
  );
}

// NewPatient is /patients/new.
export function NewPatient() {
  const w = useWard();
  const [error, setError] = useState("");
  async function create(f: PatientFields) {
    setError("");
    try {
      const p = await w.api.post<Patient>(base, cleanFields(f));
      w.navigate(`/patients/${encodeURIComponent(p.id)}`);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <div class="pad stack">
      <h1>New patient</h1>
      <PatientForm initial={emptyFields()} submit="Create patient" onSubmit={create} error={error} />
    </div>
  );
}

function PatientForm(props: {
  initial: PatientFields;
  submit: string;
  onSubmit: (f: PatientFields) => Promise<void>;
  onCancel?: () => void;
  error: string;
}) {
  const [f, setF] = useState<PatientFields>({ ...emptyFields(), ...props.initial });
  const [problems, setProblems] = useState<Partial<Record<FieldName, string>>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const p = fieldProblems(f);
    setProblems(p);
    if (Object.keys(p).length) return;
    setBusy(true);
    try {
      await props.onSubmit(f);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card stack" onSubmit={submit} id="patient-form" noValidate>
      {patientFields.map((d) => {
        const id = "pf-" + d.name;
        const err = problems[d.name];
        const common = {
          id,
          name: d.name,
          "aria-invalid": err ? true : undefined,
          "aria-describedby": err ? id + "-error" : undefined,
        };
        const set = (v: string) => setF((cur) => ({ ...cur, [d.name]: v }));
        return (
          <div class="field" key={d.name}>
            <label for={id}>
              {d.label}
              {d.required ? "" : " (optional)"}
            </label>
            {d.name === "sex" ? (
              <select {...common} value={f.sex ?? ""} onChange={(e) => set(e.currentTarget.value)}>
                <option value="">Not stated</option>
                {sexes.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                // One input element of several types: the typings want one literal.
                type={(d.name === "birth_date" ? "date" : d.name === "email" ? "email" : d.name === "phone" ? "tel" : "text") as "text"}
                max={d.name === "birth_date" ? today() : undefined}
                maxLength={d.name === "birth_date" ? undefined : d.max}
                required={d.required}
                value={f[d.name] ?? ""}
                onInput={(e) => set(e.currentTarget.value)}
              />
            )}
            {err && (
              <p class="error small" id={id + "-error"}>
                {err}
              </p>
            )}
          </div>
        );
      })}
      <ErrorLine error={props.error} id="patient-form-error" />
      <div class="row">
        <button class="primary" type="submit" disabled={busy}>
          {props.submit}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

// PatientBanner names the patient a screen is about: name, date of birth,
// MRN. The record is read from the server (an audited read).
export function PatientBanner(props: { patient: Patient }) {
  const p = props.patient;
  return (
    <div class="card patient-banner" role="group" aria-label="Patient" id="patient-banner" data-patient={p.id}>
      <strong class="patient-name">{patientName(p)}</strong>
      {!p.erased && (
        <span class="patient-facts">
          <span>DOB {formatBirthDate(p.birth_date)}</span> <span>MRN {p.mrn}</span>
        </span>
      )}
      {p.status === "deactivated" && <span class="badge">deactivated</span>}
    </div>
  );
}

// ThreadPatientBanner shows, in a conversation about a patient record, the
// banner for clinicians and staff. A conversation tagged with a patient
// user (not a record) has none.
export function ThreadPatientBanner(props: { patientID: string }) {
  const w = useWard();
  const [p, setP] = useState<Patient | null>(null);
  useEffect(() => {
    setP(null);
    if (!props.patientID) return;
    let live = true;
    w.api
      .get<Patient>(`${base}/${encodeURIComponent(props.patientID)}`, { background: true })
      .then((r) => {
        if (!live) return;
        setP(r);
        if (r.account_user_id && !r.erased) w.namePatient(r.account_user_id, patientName(r));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [props.patientID]);
  if (!p) return null;
  return (
    <Link href={`/patients/${encodeURIComponent(p.id)}`} class="plain">
      <PatientBanner patient={p} />
    </Link>
  );
}

// PatientPage is /patients/{id}.
export function PatientPage(props: { id: string }) {
  const w = useWard();
  const path = `${base}/${encodeURIComponent(props.id)}`;
  const [p, setP] = useState<Patient | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState(false);
  const [confirmOff, setConfirmOff] = useState(false);

  async function load() {
    try {
      setP(await w.api.get<Patient>(path));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setError(errorText(e));
    }
  }
  useEffect(() => {
    setP(null);
    setMissing(false);
    setEditing(false);
    void load();
  }, [props.id]);

  if (missing) {
    return (
      <div class="pad">
        <h1>Patient not found</h1>
        <Link href="/patients">Back to patients</Link>
      </div>
    );
  }
  if (!p) {
    return (
      <div class="pad">
        <ErrorLine error={error} />
        <p class="muted">Loading…</p>
      </div>
    );
  }

  async function save(f: PatientFields) {
    setError("");
    const body = changes(p!, f);
    if (Object.keys(body).length === 0) return setEditing(false);
    try {
      await w.api.patch<Patient>(path, body);
      setEditing(false);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function deactivate() {
    setError("");
    try {
      await w.api.post(`${path}/deactivate`, {});
      setConfirmOff(false);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const active = p.status === "active" && !p.erased;
  return (
    <div class="pad stack" id="patient-page">
      <div class="row">
        <Link href="/patients" class="back">
          <span aria-hidden="true">←</span> <span class="sr-only">Back to patients</span>
        </Link>
        <h1 class="sr-only">{patientName(p)}</h1>
      </div>
      <PatientBanner patient={p} />
      <ErrorLine error={error} id="patient-error" />
      {editing ? (
        <PatientForm initial={p} submit="Save" onSubmit={save} onCancel={() => setEditing(false)} error="" />
      ) : (
        <section class="card stack" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl class="facts">
            {patientFields.flatMap((d) => [
              <dt key={d.name + "-t"}>{d.label}</dt>,
              <dd key={d.name + "-d"} data-field={d.name}>
                {d.name === "birth_date" ? formatBirthDate(p.birth_date) : p[d.name] || "—"}
              </dd>,
            ])}
          </dl>
          {active && (
            <div class="row">
              <button onClick={() => setEditing(true)} id="edit-patient">
                Edit
              </button>
              {confirmOff ? (
                <span class="confirm" role="group" aria-label="Confirm deactivating">
                  <span>Deactivate this record? It leaves the lists and takes no new edits.</span>
                  <button class="small danger confirm-yes" ref={focusOnMount} onClick={() => void deactivate()}>
                    Yes, deactivate
                  </button>
                  <button class="small" onClick={() => setConfirmOff(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button class="danger" onClick={() => setConfirmOff(true)} id="deactivate-patient">
                  Deactivate
                </button>
              )}
            </div>
          )}
        </section>
      )}
      <PatientMerge patient={p} onChange={load} />
      <PatientInvitations patient={p} />
      <PatientTeams patient={p} onChange={load} />
      <PatientConversations patient={p} />
      <BreakGlassPanel patientId={p.id} />
    </div>
  );
}

// PatientTeams shows the care teams a record is assigned to; a clinician or
// staff member assigns it to, or takes it off, the teams they are in.
function PatientTeams(props: { patient: Patient; onChange: () => Promise<void> }) {
  const w = useWard();
  const me = w.store.get().me?.user.id ?? "";
  const [teams, setTeams] = useState<Team[]>([]);
  const [pick, setPick] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<{ teams: Team[] }>("/api/v1/teams")
      .then((r) => setTeams(r.teams))
      .catch(() => {});
  }, []);
  const assigned = new Set(props.patient.team_ids ?? []);
  const mine = teams.filter((t) => t.members.some((m) => m.user_id === me));
  const options = mine.filter((t) => !assigned.has(t.id));
  const nameOf = (id: string) => teams.find((t) => t.id === id)?.name ?? "A care team";
  const teamPath = (id: string) => `/api/v1/teams/${encodeURIComponent(id)}/patients/${encodeURIComponent(props.patient.id)}`;

  async function run(call: () => Promise<unknown>) {
    setError("");
    try {
      await call();
      setPick("");
      await props.onChange();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section class="card stack" aria-labelledby="pteams-title" id="patient-teams">
      <h2 id="pteams-title">Care teams</h2>
      {assigned.size === 0 ? (
        <p class="muted small">Not assigned to a care team.</p>
      ) : (
        <ul class="members">
          {[...assigned].map((id) => (
            <li key={id} data-team={nameOf(id)}>
              {nameOf(id)}{" "}
              {mine.some((t) => t.id === id) && (
                <button class="small" onClick={() => void run(() => w.api.del(teamPath(id)))}>
                  Remove<span class="sr-only"> from {nameOf(id)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {props.patient.status === "active" && options.length > 0 && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) void run(() => w.api.put(teamPath(pick), {}));
          }}
        >
          <label class="sr-only" for="assign-team">
            Assign to one of your care teams
          </label>
          <select id="assign-team" value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
            <option value="">Assign to a care team…</option>
            {options.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          <button class="small" type="submit" disabled={!pick}>
            Assign
          </button>
        </form>
      )}
      <ErrorLine error={error} />
    </section>
  );
}

// PatientConversations lists the conversations about the record that the
// caller is in, and starts a new one about it.
function PatientConversations(props: { patient: Patient }) {
  const w = useWard();
  const st = w.store.get();
  const me = st.me?.user.id ?? "";
  const [convs, setConvs] = useState<Conversation[] | null>(null);
  const [starting, setStarting] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [title, setTitle] = useState("");
  const [error, setError] = useState("");
  const path = `${base}/${encodeURIComponent(props.patient.id)}/conversations`;

  useEffect(() => {
    w.api
      .get<{ conversations: Record<string, unknown>[] }>(path)
      .then((r) => setConvs(r.conversations.map(normConversation)))
      .catch((e) => setError(errorText(e)));
    void w.loadDirectory();
  }, [props.patient.id]);

  const colleagues = Object.values(st.users)
    .filter((u) => u.id !== me && !u.disabled && (u.role === "clinician" || u.role === "staff"))
    .sort((a, b) => a.name.localeCompare(b.name));

  async function start(e: Event) {
    e.preventDefault();
    setError("");
    if (!picked.length) return setError("Choose at least one colleague.");
    try {
      // A group, so that it never folds into an existing direct conversation.
      const id = await w.createConversation("group", picked, title.trim(), props.patient.id);
      w.navigate(`/c/${id}`);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <section class="card stack" aria-labelledby="pconv-title" id="patient-conversations">
      <h2 id="pconv-title">Conversations about this patient</h2>
      {convs === null ? (
        <p class="muted">Loading…</p>
      ) : convs.length === 0 ? (
        <p class="muted small">None that you are in.</p>
      ) : (
        <ul class="convs">
          {convs.map((c) => (
            <li key={c.id}>
              <Link href={`/c/${encodeURIComponent(c.id)}`}>{w.conversationTitle(c)}</Link>{" "}
              <span class="muted small">{formatTime(c.last_message_at)}</span>
            </li>
          ))}
        </ul>
      )}
      {props.patient.status === "active" &&
        (starting ? (
          <form class="stack" onSubmit={start} id="start-patient-conversation">
            <fieldset class="stack plain">
              <legend>With</legend>
              {colleagues.map((u) => (
                <label key={u.id}>
                  <input
                    type="checkbox"
                    checked={picked.includes(u.id)}
                    onChange={(e) =>
                      setPicked(e.currentTarget.checked ? [...picked, u.id] : picked.filter((x) => x !== u.id))
                    }
                  />{" "}
                  {u.name} <span class="muted small">{u.role}</span>
                </label>
              ))}
            </fieldset>
            <label for="pconv-name">Name (optional)</label>
            <input id="pconv-name" maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
            <div class="row">
              <button class="primary" type="submit">
                Start
              </button>
              <button type="button" onClick={() => setStarting(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div class="row">
            <button onClick={() => setStarting(true)} id="start-about-patient">
              Start a conversation about this patient
            </button>
          </div>
        ))}
      <ErrorLine error={error} />
    </section>
  );
}

// PatientMerge is, on an active record, the merge of a duplicate into it:
// look the duplicate up by MRN, compare the two side by side, confirm. On
// a merged record it names the record it was merged into and unmerges.
function PatientMerge(props: { patient: Patient; onChange: () => Promise<void> }) {
  const w = useWard();
  const p = props.patient;
  const [open, setOpen] = useState(false);
  const [mrn, setMrn] = useState("");
  const [dup, setDup] = useState<Patient | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setOpen(false);
    setDup(null);
    setMrn("");
    setConfirming(false);
    setError("");
  }, [p.id]);

  async function call(run: () => Promise<unknown>) {
    setError("");
    setBusy(true);
    try {
      await run();
      setDup(null);
      setOpen(false);
      setConfirming(false);
      await props.onChange();
    } catch (e) {
      setError(e instanceof ApiError ? mergeRefusal(e.code, e.message) : errorText(e));
    } finally {
      setBusy(false);
    }
  }
  async function find(e: Event) {
    e.preventDefault();
    setError("");
    setDup(null);
    setConfirming(false);
    const q = searchQuery({ by: "mrn", mrn, birth_date: "", family_name: "" });
    if ("problem" in q) return setError(q.problem);
    try {
      const found = (await w.api.get<{ patients: Patient[] }>(`${base}?${q.query}`)).patients;
      if (found.length === 0) return setError("No record has this MRN.");
      // The list answer has no teams: read the record for them.
      setDup(await w.api.get<Patient>(`${base}/${encodeURIComponent(found[0].id)}`));
    } catch (e) {
      setError(errorText(e));
    }
  }

  if (p.merged_into) {
    return (
      <section class="card stack" aria-labelledby="merge-title" id="patient-merge">
        <h2 id="merge-title">Merged</h2>
        <p>
          This record is a duplicate merged into{" "}
          <Link href={`/patients/${encodeURIComponent(p.merged_into)}`} id="merged-into">
            another record
          </Link>
          . Its care teams and patient account moved there.
        </p>
        <ErrorLine error={error} id="merge-error" />
        <div class="row">
          {confirming ? (
            <span class="confirm" role="group" aria-label="Confirm unmerging">
              <span>Unmerge? The record stands alone again; its care teams and account move back.</span>
              <button class="small confirm-yes" ref={focusOnMount} disabled={busy}
                onClick={() => void call(() => w.api.post(`${base}/${encodeURIComponent(p.id)}/unmerge`, {}))}>
                Yes, unmerge
              </button>
              <button class="small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button onClick={() => setConfirming(true)} id="unmerge-patient">
              Unmerge
            </button>
          )}
        </div>
      </section>
    );
  }
  if (p.status !== "active" || p.erased) return null;
  if (!open) {
    return (
      <div class="row">
        <button onClick={() => setOpen(true)} id="merge-open">
          Merge a duplicate into this record
        </button>
      </div>
    );
  }
  const problem = dup ? mergeProblem(p, dup) : "";
  return (
    <section class="card stack" aria-labelledby="merge-title" id="patient-merge">
      <h2 id="merge-title">Merge a duplicate into this record</h2>
      <form class="row" onSubmit={(e) => void find(e)}>
        <label>
          Duplicate's MRN
          <input value={mrn} onInput={(e) => setMrn((e.target as HTMLInputElement).value)} id="merge-mrn" maxLength={64} />
        </label>
        <button type="submit" id="merge-find">
          Look up
        </button>
        <button type="button" class="small" onClick={() => setOpen(false)}>
          Close
        </button>
      </form>
      <ErrorLine error={error} id="merge-error" />
      {dup && (
        <>
          <table class="side-by-side" id="merge-compare">
            <thead>
              <tr>
                <th scope="col"></th>
                <th scope="col">This record (stays)</th>
                <th scope="col">Duplicate (merged)</th>
              </tr>
            </thead>
            <tbody>
              {sideBySide(p, dup).map((r) => (
                <tr key={r.label} class={r.differs ? "differs" : ""}>
                  <th scope="row">{r.label}</th>
                  <td>{r.survivor}</td>
                  <td>{r.duplicate}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {problem ? (
            <p class="error" role="alert" id="merge-problem">
              {problem}
            </p>
          ) : (
            <div class="stack">
              <p class="muted">{mergeSummary(dup)}</p>
              {confirming ? (
                <span class="confirm" role="group" aria-label="Confirm merging">
                  <span>Merge the duplicate into this record?</span>
                  <button class="small danger confirm-yes" ref={focusOnMount} disabled={busy} id="merge-confirm"
                    onClick={() => void call(() => w.api.post(`${base}/${encodeURIComponent(dup.id)}/merge`, { into: p.id }))}>
                    Yes, merge
                  </button>
                  <button class="small" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button class="danger" onClick={() => setConfirming(true)} id="merge-patient">
                  Merge
                </button>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
