import { useEffect, useState } from "preact/hooks";
import { ApiError, type Policy, type User } from "../api";
import type { AlertCounts } from "../alerts";
import { useStore } from "../store";
import {
  breakGlassCategories,
  categoryLabel,
  emptySearch,
  maxReasonLength,
  reasonProblem,
  reviewAttachmentURL,
  reviewCategories,
  searchProblem,
  searchURL,
  timeLeft,
  verdictLabel,
  type ComplianceCounts,
  type FoundConversation,
  type Grant,
  type HeldFile,
  type SearchFilters,
} from "../compliance";
import { formatSize, typeLabel } from "../attachments";
import { useWard } from "./context";
import { ArchiveExports } from "./Exports";
import { ErrorLine, errorText, focusOnMount, formatDateTime, Link } from "./common";

// The compliance console (docs/compliance.md): counts, live break-glass
// alerts and the queue, the search and the log of reviews. The org owner
// sees the counts and the log only.

interface ReviewMessage {
  id: string;
  seq: number;
  sender_id: string;
  body?: string;
  created_at: string;
  tombstone?: boolean;
  attachments?: { id: string; name: string; size: number }[];
}

function useDirectory(): Record<string, User> {
  const w = useWard();
  const [users, setUsers] = useState<Record<string, User>>({});
  useEffect(() => {
    w.api
      .get<{ users: User[] }>("/api/v1/users")
      .then((r) => {
        const m: Record<string, User> = {};
        for (const u of r.users) m[u.id] = u;
        setUsers(m);
      })
      .catch(() => {});
  }, []);
  return users;
}

const nameIn = (dir: Record<string, User>) => (id: string) => dir[id]?.name || id;

export function ComplianceConsole() {
  const w = useWard();
  const st = useStore(w.store);
  const officer = st.me?.user.role === "compliance";
  const dir = useDirectory();
  const [counts, setCounts] = useState<ComplianceCounts | null>(null);
  const [alertCounts, setAlertCounts] = useState<AlertCounts | null>(null);
  const [log, setLog] = useState<Grant[]>([]);
  const [error, setError] = useState("");
  async function load() {
    try {
      const [c, l, a] = await Promise.all([
        w.api.get<ComplianceCounts>("/api/v1/compliance/dashboard"),
        w.api.get<{ reviews: Grant[] }>("/api/v1/compliance/reviews"),
        officer ? w.api.get<AlertCounts>("/api/v1/compliance/alerts/counts") : Promise.resolve(null),
      ]);
      setCounts(c);
      setLog(l.reviews);
      setAlertCounts(a);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), [st.breakGlass.length, st.alertsRaised.length]);
  const name = nameIn(dir);
  return (
    <div class="pad stack" id="compliance-console">
      <h1>Compliance</h1>
      <ErrorLine error={error} />
      {counts && (
        <div class="row" id="compliance-counts">
          <span class="card">
            <strong data-count="reviews">{counts.reviews}</strong> reviews
          </span>
          <span class="card">
            <strong data-count="break_glass_uses">{counts.break_glass_uses}</strong> break-glass uses
          </span>
          <span class="card">
            <strong data-count="break_glass_unreviewed">{counts.break_glass_unreviewed}</strong> waiting for review
          </span>
          {alertCounts && (
            <Link href="/alerts" class="card" id="alerts-new-count">
              <strong data-count="alerts_new">{alertCounts.new ?? 0}</strong> new alerts
            </Link>
          )}
        </div>
      )}
      {officer && <BreakGlassQueue name={name} onChange={load} />}
      {officer && <ConversationSearch dir={dir} />}
      {officer && <ArchiveExports dir={dir} />}
      <section class="card stack" aria-labelledby="review-log-title" id="review-log">
        <h2 id="review-log-title">Log of reviews</h2>
        {log.length === 0 ? (
          <p class="muted">No reviews yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Opened</th>
                <th>By</th>
                <th>Conversation</th>
                <th>Reason</th>
                <th>Until</th>
              </tr>
            </thead>
            <tbody>
              {log.map((g) => (
                <tr key={g.id} data-review={g.id}>
                  <td>{formatDateTime(g.opened_at)}</td>
                  <td>{name(g.user_id)}</td>
                  <td>
                    {officer && g.user_id === st.me?.user.id ? <Link href={`/compliance/reviews/${g.id}`}>{g.conversation_id}</Link> : g.conversation_id}
                  </td>
                  <td>
                    {categoryLabel(g.reason.category)}
                    {g.reason.text ? `: ${g.reason.text}` : ""}
                  </td>
                  <td>{formatDateTime(g.expires_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function BreakGlassQueue(props: { name: (id: string) => string; onChange: () => Promise<void> }) {
  const w = useWard();
  const st = useStore(w.store);
  const [uses, setUses] = useState<Grant[]>([]);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  async function load() {
    try {
      setUses((await w.api.get<{ uses: Grant[] }>("/api/v1/compliance/breakglass")).uses);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), [st.breakGlass.length]);
  async function judge(g: Grant, verdict: "justified" | "unjustified") {
    setError("");
    const note = (notes[g.id] ?? "").trim();
    if (!note) return setError("Add a note saying why.");
    try {
      await w.api.post(`/api/v1/compliance/breakglass/${encodeURIComponent(g.id)}/verdict`, { verdict, note });
      await load();
      await props.onChange();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const fresh = new Set(st.breakGlass.map((a) => a.id));
  return (
    <section class="card stack" aria-labelledby="bg-title" id="breakglass-queue">
      <h2 id="bg-title">Break-glass uses</h2>
      {st.breakGlass.length > 0 && (
        <p role="status" id="breakglass-alert" class="notice">
          {st.breakGlass.length === 1 ? "A clinician broke the glass" : `${st.breakGlass.length} break-glass uses`} while you were here.
        </p>
      )}
      <ErrorLine error={error} id="breakglass-error" />
      {uses.length === 0 ? (
        <p class="muted">No break-glass use.</p>
      ) : (
        <ul class="stack plain">
          {uses.map((g) => (
            <li key={g.id} class="card stack" data-use={g.id} data-verdict={g.verdict || "waiting"}>
              <div>
                <strong>{props.name(g.user_id)}</strong> opened patient <code>{g.patient_id}</code> on {formatDateTime(g.opened_at)}
                {fresh.has(g.id) && <span class="badge"> new</span>}
              </div>
              <div>
                {categoryLabel(g.reason.category)}: {g.reason.text}
              </div>
              <div class="muted">
                {verdictLabel(g)}
                {g.note ? ` — ${g.note}` : ""}
              </div>
              {!g.verdict && (
                <div class="row">
                  <label class="sr-only" for={`note-${g.id}`}>
                    Note
                  </label>
                  <input
                    id={`note-${g.id}`}
                    class="verdict-note"
                    placeholder="Note (required)"
                    maxLength={maxReasonLength}
                    value={notes[g.id] ?? ""}
                    onInput={(e) => setNotes({ ...notes, [g.id]: (e.currentTarget as HTMLInputElement).value })}
                  />
                  <button class="small justified" onClick={() => void judge(g, "justified")}>
                    Justified
                  </button>
                  <button class="small danger unjustified" onClick={() => void judge(g, "unjustified")}>
                    Not justified
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConversationSearch(props: { dir: Record<string, User> }) {
  const w = useWard();
  const [f, setF] = useState<SearchFilters>(emptySearch);
  const [found, setFound] = useState<FoundConversation[] | null>(null);
  const [error, setError] = useState("");
  const [opening, setOpening] = useState<FoundConversation | null>(null);
  const [maxMinutes, setMaxMinutes] = useState(60);
  useEffect(() => {
    w.api
      .get<Policy>("/api/v1/policy")
      .then((p) => setMaxMinutes(Math.round((p.review_access || 3600) / 60)))
      .catch(() => {});
  }, []);
  const name = nameIn(props.dir);
  async function search(e: Event) {
    e.preventDefault();
    const why = searchProblem(f);
    if (why) return setError(why);
    setError("");
    try {
      setFound((await w.api.get<{ conversations: FoundConversation[] }>(searchURL(f))).conversations);
    } catch (e) {
      setError(errorText(e));
    }
  }
  const set = (k: keyof SearchFilters) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const people = Object.values(props.dir).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section class="card stack" aria-labelledby="search-title">
      <h2 id="search-title">Find conversations</h2>
      <p class="muted">Search runs over ids, members, patients and dates; titles and messages stay sealed until you open a review.</p>
      <form class="filters" onSubmit={search} id="compliance-search">
        <div class="filter-grid">
          <div>
            <label for="cs-patient">Patient record id</label>
            <input id="cs-patient" value={f.patient} onInput={set("patient")} />
          </div>
          <div>
            <label for="cs-member">Member</label>
            <select id="cs-member" value={f.member} onChange={set("member")}>
              <option value="">Anyone</option>
              {people.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name} ({u.role})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="cs-id">Conversation id</label>
            <input id="cs-id" value={f.id} onInput={set("id")} />
          </div>
          <div>
            <label for="cs-from">From</label>
            <input id="cs-from" type="date" value={f.from} onInput={set("from")} />
          </div>
          <div>
            <label for="cs-to">To</label>
            <input id="cs-to" type="date" value={f.to} onInput={set("to")} />
          </div>
        </div>
        <button class="primary" type="submit" id="cs-submit">
          Search
        </button>
      </form>
      <ErrorLine error={error} id="search-error" />
      {found && found.length === 0 && <p class="muted">Nothing found.</p>}
      {found && found.length > 0 && (
        <ul class="stack plain" id="search-results">
          {found.map((c) => (
            <li key={c.id} class="row" data-conversation={c.id}>
              <span>
                <code>{c.id}</code> · {c.member_ids.map(name).join(", ")}
                {c.patient_id ? ` · patient ${c.patient_id}` : ""} · {formatDateTime(c.created_at)}
              </span>
              <button class="small open-review" onClick={() => setOpening(c)}>
                Review…
              </button>
            </li>
          ))}
        </ul>
      )}
      {opening && (
        <ReasonDialog
          title="Open a review"
          intro="Say why you need to read this conversation. Your reason and every page you read are recorded."
          categories={reviewCategories}
          maxMinutes={maxMinutes}
          submit="Open the review"
          onCancel={() => setOpening(null)}
          onSubmit={async (category, reason, minutes) => {
            const g = await w.api.post<Grant>("/api/v1/compliance/reviews", { conversation_id: opening.id, category, reason, minutes });
            w.navigate(`/compliance/reviews/${g.id}`);
          }}
        />
      )}
    </section>
  );
}

// ReasonDialog asks for a category, free text and a time box; refusals
// from the server (reason_required, time_box_too_long) show in it.
export function ReasonDialog(props: {
  title: string;
  intro: string;
  categories: { value: string; label: string }[];
  maxMinutes: number;
  submit: string;
  onCancel: () => void;
  onSubmit: (category: string, reason: string, minutes: number) => Promise<void>;
}) {
  const [category, setCategory] = useState("");
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function send(e: Event) {
    e.preventDefault();
    const m = minutes.trim() === "" ? 0 : Number(minutes);
    const why = reasonProblem(category, reason, m, props.maxMinutes);
    if (why) return setError(why);
    setBusy(true);
    setError("");
    try {
      await props.onSubmit(category, reason.trim(), m);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="overlay">
      <div class="card dialog" role="dialog" aria-modal="true" aria-labelledby="reason-title" id="reason-dialog">
      <form class="stack" onSubmit={send}>
        <h2 id="reason-title">{props.title}</h2>
        <p>{props.intro}</p>
        <label for="reason-category">Category</label>
        <select id="reason-category" value={category} ref={focusOnMount} onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">Choose…</option>
          {props.categories.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <label for="reason-text">Reason</label>
        <textarea id="reason-text" maxLength={maxReasonLength} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)} />
        <label for="reason-minutes">Minutes (empty: the policy's {props.maxMinutes || 60})</label>
        <input id="reason-minutes" inputMode="numeric" value={minutes} onInput={(e) => setMinutes((e.currentTarget as HTMLInputElement).value)} />
        <ErrorLine error={error} id="reason-error" />
        <div class="row">
          <button class="primary" type="submit" disabled={busy} id="reason-submit">
            {props.submit}
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
      </div>
    </div>
  );
}

// useTicking re-renders every second.
function useTicking() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
}

// Transcript reads every page of a conversation through a grant's route
// (a review's or a break-glass's), read-only.
function Transcript(props: { pages: string; attachmentBase?: string; name: (id: string) => string; onEnded: () => void }) {
  const w = useWard();
  const [msgs, setMsgs] = useState<ReviewMessage[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let stop = false;
    (async () => {
      const all: ReviewMessage[] = [];
      let after = 0;
      try {
        for (;;) {
          const r = await w.api.get<{ messages: ReviewMessage[] }>(`${props.pages}?after=${after}&limit=100`);
          if (stop) return;
          all.push(...r.messages);
          if (r.messages.length < 100) break;
          after = r.messages[r.messages.length - 1].seq;
        }
        setMsgs(all);
      } catch (e) {
        if (e instanceof ApiError && e.code === "access_expired") props.onEnded();
        else setError(errorText(e));
      }
    })();
    return () => {
      stop = true;
    };
  }, [props.pages]);
  if (error) return <ErrorLine error={error} />;
  if (!msgs) return <p class="muted">Loading…</p>;
  if (msgs.length === 0) return <p class="muted">No messages.</p>;
  return (
    <ol class="stack plain transcript" id="transcript">
      {msgs.map((m) => (
        <li key={m.id} class="card" data-seq={m.seq}>
          <div class="muted">
            {props.name(m.sender_id)} · {formatDateTime(m.created_at)}
          </div>
          {m.tombstone ? <em class="muted">Recalled or deleted</em> : <div class="body">{m.body}</div>}
          {props.attachmentBase &&
            (m.attachments ?? []).map((a) => (
              <a key={a.id} href={`${props.attachmentBase}/${encodeURIComponent(a.id)}`} target="_blank" rel="noopener">
                {a.name}
              </a>
            ))}
        </li>
      ))}
    </ol>
  );
}

// ReviewTranscript is an open review: the banner with its reason and time
// left, and the conversation read-only until the time box ends.
export function ReviewTranscript(props: { id: string }) {
  const w = useWard();
  const dir = useDirectory();
  const [g, setG] = useState<Grant | null>(null);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState("");
  useTicking();
  useEffect(() => {
    w.api
      .get<Grant>(`/api/v1/compliance/reviews/${encodeURIComponent(props.id)}`)
      .then(setG)
      .catch((e) => setError(errorText(e)));
  }, [props.id]);
  if (error) return <div class="pad"><ErrorLine error={error} /></div>;
  if (!g) return <div class="pad"><p class="muted">Loading…</p></div>;
  const left = timeLeft(g.expires_at, Date.now());
  const over = ended || left === "ended";
  return (
    <div class="pad stack" id="review-page">
      <Link href="/compliance">← Compliance</Link>
      <div class="card review-banner" role="status" id="review-banner" data-ended={over ? "1" : "0"}>
        <strong>Compliance review</strong> · {categoryLabel(g.reason.category)}: {g.reason.text}
        <div>
          Conversation <code>{g.conversation_id}</code> · every page you read is recorded ·{" "}
          <span id="review-time-left">{over ? "time box ended" : left}</span>
        </div>
      </div>
      {over ? (
        <p id="review-ended">The time box has ended: the conversation is closed again. Open a new review, with a reason, to read it.</p>
      ) : (
        <Transcript
          pages={`/api/v1/compliance/reviews/${encodeURIComponent(g.id)}/messages`}
          attachmentBase={`/api/v1/compliance/reviews/${encodeURIComponent(g.id)}/attachments`}
          name={nameIn(dir)}
          onEnded={() => setEnded(true)}
        />
      )}
      {!over && <HeldCopies reviewId={g.id} name={nameIn(dir)} onEnded={() => setEnded(true)} />}
    </div>
  );
}

interface HeldCopy {
  message_id: string;
  seq: number;
  sender_id: string;
  created_at: string;
  recalled_at: string;
  body: string;
  attachments?: HeldFile[];
}

// HeldCopies shows, on request (each read is recorded), the bodies a legal
// hold kept of messages recalled in the reviewed conversation, with links
// to the files they carried (each download is recorded too).
function HeldCopies(props: { reviewId: string; name: (id: string) => string; onEnded: () => void }) {
  const w = useWard();
  const [held, setHeld] = useState<HeldCopy[] | null>(null);
  const [error, setError] = useState("");
  async function load() {
    setError("");
    try {
      setHeld((await w.api.get<{ held: HeldCopy[] }>(`/api/v1/compliance/reviews/${encodeURIComponent(props.reviewId)}/held`)).held);
    } catch (e) {
      if (e instanceof ApiError && e.code === "access_expired") return props.onEnded();
      setError(errorText(e));
    }
  }
  return (
    <section class="card stack" aria-labelledby="held-title" id="held-copies">
      <h2 id="held-title">Recalled messages kept by a legal hold</h2>
      <p class="muted">Members see these as recalled. Reading the kept copies, and downloading their files, is recorded with this review.</p>
      <ErrorLine error={error} id="held-error" />
      {held === null ? (
        <button class="small" id="held-load" onClick={() => void load()}>
          Show the kept copies
        </button>
      ) : held.length === 0 ? (
        <p class="muted" id="held-none">No recalled message in this conversation is kept by a hold.</p>
      ) : (
        <ol class="stack plain" id="held-list">
          {held.map((h) => (
            <li key={h.message_id} class="card" data-held={h.message_id}>
              <div class="muted small">
                #{h.seq} · {props.name(h.sender_id)} · sent {formatDateTime(h.created_at)} · recalled {formatDateTime(h.recalled_at)}
              </div>
              <div class="body">{h.body}</div>
              {(h.attachments ?? []).length > 0 && (
                <ul class="plain held-files">
                  {(h.attachments ?? []).map((a) => (
                    <li key={a.id} data-held-file={a.id}>
                      <a href={reviewAttachmentURL(props.reviewId, a.id)} target="_blank" rel="noopener">
                        {a.name}
                      </a>{" "}
                      <span class="muted small">
                        {typeLabel(a.content_type)} · {formatSize(a.size)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

const bgKey = (id: string) => "ward.breakglass." + id;

// BreakGlassPanel is on a patient's page for clinicians: the conversations
// about the patient that they are not in stay closed, unless they break
// the glass with a reason (compliance is alerted).
export function BreakGlassPanel(props: { patientId: string }) {
  const w = useWard();
  const [open, setOpen] = useState(false);
  if (w.store.get().me?.user.role !== "clinician") return null;
  return (
    <section class="card stack" aria-labelledby="bg-panel-title" id="breakglass-panel">
      <h2 id="bg-panel-title">Emergency access</h2>
      <p class="muted">
        Conversations about this patient that you are not in stay closed. In an emergency you may break the glass: say why; compliance
        is alerted at once and reviews every use.
      </p>
      <div>
        <button class="danger" id="break-glass" onClick={() => setOpen(true)}>
          Break glass
        </button>
      </div>
      {open && (
        <ReasonDialog
          title="Break glass"
          intro="You are about to open this patient's conversations outside their care team. Compliance is alerted now."
          categories={breakGlassCategories}
          maxMinutes={60}
          submit="Break glass and open"
          onCancel={() => setOpen(false)}
          onSubmit={async (category, reason, minutes) => {
            const g = await w.api.post<Grant>("/api/v1/breakglass", { patient_id: props.patientId, category, reason, minutes });
            // Only the time box is kept (the reason's text is PHI).
            sessionStorage.setItem(bgKey(g.id), JSON.stringify({ expires_at: g.expires_at, patient_id: g.patient_id }));
            w.navigate(`/breakglass/${g.id}`);
          }}
        />
      )}
    </section>
  );
}

// BreakGlassView lists the patient's conversations under a break-glass and
// shows the chosen one read-only, with the time left.
export function BreakGlassView(props: { id: string }) {
  const w = useWard();
  const dir = useDirectory();
  const [convs, setConvs] = useState<FoundConversation[] | null>(null);
  const [pick, setPick] = useState("");
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState("");
  useTicking();
  const saved = JSON.parse(sessionStorage.getItem(bgKey(props.id)) ?? "{}") as { expires_at?: string; patient_id?: string };
  useEffect(() => {
    w.api
      .get<{ conversations: FoundConversation[] }>(`/api/v1/breakglass/${encodeURIComponent(props.id)}/conversations`)
      .then((r) => setConvs(r.conversations))
      .catch((e) => (e instanceof ApiError && e.code === "access_expired" ? setEnded(true) : setError(errorText(e))));
  }, [props.id]);
  const left = saved.expires_at ? timeLeft(saved.expires_at, Date.now()) : "";
  const over = ended || left === "ended";
  const base = `/api/v1/breakglass/${encodeURIComponent(props.id)}/conversations`;
  return (
    <div class="pad stack" id="breakglass-page">
      {saved.patient_id && <Link href={`/patients/${saved.patient_id}`}>← Patient</Link>}
      <div class="card review-banner" role="status" id="breakglass-banner">
        <strong>Break-glass access</strong> · compliance has been alerted · every page you read is recorded ·{" "}
        <span id="breakglass-time-left">{over ? "time box ended" : left}</span>
      </div>
      <ErrorLine error={error} />
      {over ? (
        <p>The time box has ended: these conversations are closed again.</p>
      ) : (
        <>
          {convs && convs.length === 0 && <p class="muted">No conversations about this patient.</p>}
          <ul class="stack plain">
            {(convs ?? []).map((c) => (
              <li key={c.id}>
                <button class={pick === c.id ? "primary" : ""} onClick={() => setPick(c.id)} data-conversation={c.id}>
                  {c.title || "Conversation"} · {c.member_ids.map(nameIn(dir)).join(", ")}
                </button>
              </li>
            ))}
          </ul>
          {pick && <Transcript pages={`${base}/${encodeURIComponent(pick)}/messages`} name={nameIn(dir)} onEnded={() => setEnded(true)} />}
        </>
      )}
    </div>
  );
}
