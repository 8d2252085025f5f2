import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { uploadErrorText } from "../attachments";
import type { Attachment } from "../messaging";
import {
  defaultTeam,
  firstMessageText,
  waitingLabel,
  inboxEndpoints,
  inboxStatuses,
  maxFirstPhotos,
  myTeams,
  statusLabels,
  writeProblem,
  type CareTeam,
  type InboxStatus,
  type InboxThread,
} from "../inbox";
import type { Team } from "../teams";
import { cameraAccept, portalWelcome } from "../portal";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, focusOnMount } from "./common";

// WriteToCareTeam is the patient portal's home: write to one of the care
// teams the patient's record is assigned to (choose one if several), with
// photos from the phone camera if they like. The message lands in the
// team's shared inbox.
export function WriteToCareTeam() {
  const w = useWard();
  const [teams, setTeams] = useState<CareTeam[] | null>(null);
  const [team, setTeam] = useState("");
  const [body, setBody] = useState("");
  const [photos, setPhotos] = useState<File[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const camera = useRef<HTMLInputElement>(null);
  useEffect(() => {
    w.api
      .get<{ teams: CareTeam[] }>(inboxEndpoints.careTeams)
      .then((r) => {
        setTeams(r.teams);
        setTeam(defaultTeam(r.teams));
      })
      .catch((e) => setError(errorText(e)));
  }, []);
  if (teams === null) return <div class="pad"><p class="muted">{error || "Loading…"}</p></div>;
  if (teams.length === 0)
    return (
      <div class="pad empty-main portal-welcome">
        <h1 class="sr-only">Messages</h1>
        <p id="portal-welcome">{portalWelcome}.</p>
      </div>
    );
  async function send(ev: Event) {
    ev.preventDefault();
    const p = writeProblem(teams ?? [], team, body, photos.length);
    if (p) return setError(p);
    setBusy(true);
    setError("");
    try {
      // With photos the thread starts empty: the photos upload into it and
      // go with the text as its first message.
      const r = await w.api.post<{ conversation: { id: string } }>(inboxEndpoints.start, {
        team_id: team,
        body: photos.length ? "" : body.trim(),
      });
      const cid = r.conversation.id;
      if (photos.length) {
        const atts: Attachment[] = [];
        for (const f of photos) {
          try {
            atts.push(await w.uploadFile(cid, f, () => {}).done);
          } catch (e) {
            w.toast(e instanceof ApiError ? uploadErrorText(e.code, e.message, f.name) : uploadErrorText("", String(e), f.name));
          }
        }
        if (body.trim() || atts.length) void w.send(cid, firstMessageText(body, atts.map((a) => a.name)), false, atts);
      }
      await w.loadConversations(true);
      w.navigate("/c/" + cid);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="pad stack" id="write-care-team" onSubmit={send}>
      <h1 ref={focusOnMount} tabIndex={-1}>
        Write to your care team
      </h1>
      {teams.length > 1 && (
        <label>
          Care team
          <select id="care-team" value={team} onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}>
            <option value="">Choose…</option>
            {teams.map((t) => (
              <option value={t.id}>{t.name}</option>
            ))}
          </select>
        </label>
      )}
      {teams.length === 1 && <p class="muted">To {teams[0].name}</p>}
      <label>
        Message
        <textarea id="care-team-body" rows={4} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      </label>
      {photos.length > 0 && (
        <ul class="uploads" id="care-team-photos" aria-label="Photos to send">
          {photos.map((f, i) => (
            <li class="upload" key={i + f.name}>
              <span class="att-name">{f.name}</span>{" "}
              <button type="button" class="small linklike" onClick={() => setPhotos((ps) => ps.filter((_, j) => j !== i))}>
                Remove<span class="sr-only"> {f.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        type="file"
        id="care-team-camera-input"
        ref={camera}
        hidden
        accept={cameraAccept}
        capture="environment"
        onChange={(e) => {
          const got = Array.from(e.currentTarget.files ?? []);
          setPhotos((ps) => [...ps, ...got].slice(0, maxFirstPhotos));
          e.currentTarget.value = "";
        }}
      />
      <ErrorLine error={error} />
      <div class="row">
        <button type="button" id="care-team-camera" class="camera" disabled={busy || photos.length >= maxFirstPhotos} onClick={() => camera.current?.click()}>
          <span aria-hidden="true">📷</span> Take photo
        </button>
        <button type="submit" class="primary" id="care-team-send" disabled={busy}>
          Send
        </button>
      </div>
    </form>
  );
}

// TeamInbox is /inbox for clinicians and staff: the shared inbox of each
// care team they are in, longest waiting first; claim, assign, set status.
export function TeamInbox() {
  const w = useWard();
  const me = w.state.me?.user.id ?? "";
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [team, setTeam] = useState("");
  const [status, setStatus] = useState<InboxStatus>("open");
  const [threads, setThreads] = useState<InboxThread[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<{ teams: Team[] }>("/api/v1/teams")
      .then((r) => {
        const mine = myTeams(r.teams, me);
        setTeams(mine);
        if (mine.length) setTeam(mine[0].id);
      })
      .catch((e) => setError(errorText(e)));
  }, []);
  async function load() {
    if (!team) return;
    setError("");
    try {
      const r = await w.api.get<{ threads: InboxThread[] }>(inboxEndpoints.list(team, status));
      setThreads(r.threads);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    void load();
  }, [team, status]);
  async function act(path: string, body?: unknown) {
    try {
      await w.api.post(path, body);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const current = teams?.find((t) => t.id === team);
  const name = (id?: string) => (id ? current?.members.find((m) => m.user_id === id)?.name ?? w.userName(id) : "nobody");
  return (
    <div class="pad stack" id="team-inbox">
      <h1 ref={focusOnMount} tabIndex={-1}>
        Team inbox
      </h1>
      {teams && teams.length === 0 && <p class="muted">You are not in a care team.</p>}
      <div class="row">
        {teams && teams.length > 1 && (
          <label>
            Team
            <select id="inbox-team" value={team} onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}>
              {teams.map((t) => (
                <option value={t.id}>{t.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Status
          <select id="inbox-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as InboxStatus)}>
            {inboxStatuses.map((s) => (
              <option value={s}>{statusLabels[s]}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorLine error={error} />
      {team && threads.length === 0 && <p class="muted">No {statusLabels[status].toLowerCase()} threads.</p>}
      <ul class="list inbox-threads">
        {threads.map((t) => (
          <li class="inbox-thread" data-id={t.conversation_id}>
            <Link href={"/c/" + t.conversation_id}>Thread of {t.created_at.slice(0, 10)}</Link>{" "}
            <span class="waiting">{waitingLabel(t)}</span>{" "}
            <span class="muted">handled by {name(t.assignee_id)}</span>{" "}
            {t.assignee_id !== me && (
              <button type="button" class="claim" onClick={() => void act(inboxEndpoints.claim(t.conversation_id))}>
                Claim
              </button>
            )}
            <select
              aria-label="Assign to"
              value=""
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                if (v) void act(inboxEndpoints.assign(t.conversation_id), { user_id: v });
              }}
            >
              <option value="">Assign to…</option>
              {current?.members.map((m) => (
                <option value={m.user_id}>{m.name}</option>
              ))}
            </select>
            <select
              aria-label="Status"
              value={t.status}
              onChange={(e) => void act(inboxEndpoints.status(t.conversation_id), { status: (e.target as HTMLSelectElement).value })}
            >
              {inboxStatuses.map((s) => (
                <option value={s}>{statusLabels[s]}</option>
              ))}
            </select>
          </li>
        ))}
      </ul>
    </div>
  );
}
