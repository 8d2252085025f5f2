import { useEffect, useRef, useState } from "preact/hooks";
import { canRecall, canSeePatients, isExternal } from "../api";
import {
  acceptTypes,
  attachmentURL,
  formatSize,
  isPreviewable,
  typeLabel,
  uploadErrorText,
  type UploadHandle,
} from "../attachments";
import { ApiError } from "../api";
import { messageStatus, patientRecordOf, senderLabel, type Attachment, type Message } from "../messaging";
import { useWard } from "./context";
import { cameraAccept, isPatient } from "../portal";
import { ThreadPatientBanner } from "./Patients";
import { RepliesPicker } from "./Replies";
import { ErrorLine, Link, errorText, formatTime, focusOnMount } from "./common";
import { isGuest } from "../outside";
import { OutsideStatus } from "./Outside";
import { canAddressOnCall, canSeeOnCall, oncallEndpoints, pageText, refetchOnCall, threadOnCall, type Addressed, type PageStatus } from "../oncall";

export function Thread(props: { id: string }) {
  const w = useWard();
  const st = w.store.get();
  const conv = st.conversations.find((c) => c.id === props.id);
  const list = st.messages[props.id];
  const [error, setError] = useState("");
  const bottom = useRef<HTMLDivElement>(null);
  const me = st.me?.user.id ?? "";

  useEffect(() => {
    setError("");
    w.openConversation(props.id).catch((e) => setError(errorText(e)));
  }, [props.id]);

  // Whom the thread's role reached (docs/oncall.md): read from the server
  // when the thread opens, so the recipient and the sender after a reload
  // see "Cardiology on call (Dr Shah)", and again when an urgent message
  // arrives; the latest page's place in its chain for carers.
  const role = st.me?.user.role;
  const shown = !!st.onCallLabels[props.id];
  const again = refetchOnCall(shown, list?.[list.length - 1]) ? (list?.length ?? 0) : 0;
  const [page, setPage] = useState<PageStatus | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => setPage(null), [props.id]);
  useEffect(() => {
    if (!canSeeOnCall(role)) return;
    let live = true;
    void (async () => {
      try {
        const a = await w.api.get<{ on_call: Addressed[] }>(oncallEndpoints.addressed(props.id));
        const t = threadOnCall(a.on_call);
        if (!live) return;
        if (t.label) w.store.set((s) => ({ onCallLabels: { ...s.onCallLabels, [props.id]: t.label } }));
        if (t.pageID && canAddressOnCall(role)) {
          const p = await w.api.get<PageStatus>(oncallEndpoints.messagePage(t.pageID));
          if (live) setPage(p);
        }
      } catch {
        // not a role thread for this viewer, or offline: the thread shows no label
      }
    })();
    return () => {
      live = false;
    };
  }, [props.id, role, again, tick]);
  useEffect(() => {
    if (!page || page.done) return;
    const t = setInterval(() => setTick((n) => n + 1), 30_000); // escalations and hand-overs move it
    return () => clearInterval(t);
  }, [page]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [list?.length, props.id]);

  if (!conv && st.conversationsLoaded) {
    return (
      <section class="pad">
        <h1>Conversation not found</h1>
        <p>It may have been removed, or you are not a member.</p>
        <Link href="/">Back to conversations</Link>
      </section>
    );
  }
  const others = conv ? conv.members.map((m) => m.user_id).filter((u) => u !== me) : [];
  const title = conv ? w.conversationTitle(conv) : "…";

  return (
    <section class="thread" aria-labelledby="thread-title">
      <header class="thread-head">
        <Link href="/" class="back">
          <span aria-hidden="true">←</span> <span class="sr-only">Back to conversations</span>
        </Link>
        <div>
          <h1 id="thread-title">{title}</h1>
          {conv && st.outside[conv.id] ? (
            <OutsideStatus cid={conv.id} />
          ) : (
            conv && (
              <p class="muted small">
                {isGuest(st.me?.user.role)
                  ? "Secure conversation · you can reply here"
                  : conv.kind === "group"
                    ? `Group · ${conv.members.length} members`
                    : "Direct conversation"}
              </p>
            )
          )}
        </div>
      </header>
      {conv && st.onCallLabels[conv.id] && (
        <p class="oncall-label" id="thread-oncall">
          {st.onCallLabels[conv.id]}
        </p>
      )}
      {conv && st.onCallLabels[conv.id] && page && (
        <p class="oncall-page muted small" id="thread-page">
          Page {pageText(page, formatTime)}
        </p>
      )}
      {conv && canSeePatients(st.me?.user.role) && patientRecordOf(conv) && <ThreadPatientBanner patientID={patientRecordOf(conv)} />}
      <ErrorLine error={error} />
      <ol class="messages" id="messages" aria-label="Messages" aria-live="polite" aria-relevant="additions">
        {list === undefined ? (
          <li class="muted pad">Loading…</li>
        ) : list.length === 0 ? (
          <li class="muted pad">No messages yet. Say hello.</li>
        ) : (
          list.map((m) => (
            <MessageItem key={m.client_id || m.id} m={m} mine={m.sender_id === me} others={others} cid={props.id} me={me} />
          ))
        )}
        <div ref={bottom} />
      </ol>
      <Composer cid={props.id} patientID={conv && canSeePatients(st.me?.user.role) ? patientRecordOf(conv) : ""} />
    </section>
  );
}

function MessageItem(props: { m: Message; mine: boolean; others: string[]; cid: string; me: string }) {
  const w = useWard();
  const { m, mine } = props;
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const urgent = m.priority === "urgent";
  const ackedByMe = m.receipts.some((r) => r.user_id === props.me && r.acknowledged_at);
  const status = mine ? messageStatus(m, props.others) : null;

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      w.toast(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li
      class={"msg" + (mine ? " mine" : "") + (urgent ? " urgent" : "") + (m.recalled ? " recalled" : "") + (m.kind ? " auto-reply" : "")}
      data-seq={m.seq || undefined}
      data-id={m.id || undefined}
    >
      <div class="msg-head">
        <span class="sender">{senderLabel(m, mine, (id) => w.userName(id))}</span>
        {urgent && <span class="badge urgent-badge">Urgent</span>}
        <time class="muted" dateTime={m.created_at}>
          {formatTime(m.created_at)}
        </time>
      </div>
      {m.recalled ? (
        <p class="body tombstone">This message was recalled.</p>
      ) : (
        <>
          <p class="body">{m.body}</p>
          {m.attachments.length > 0 && (
            <ul class="attachments" aria-label="Attachments">
              {m.attachments.map((a) => (
                <AttachmentItem key={a.id} a={a} />
              ))}
            </ul>
          )}
        </>
      )}
      <div class="msg-foot">
        {status && (
          <span class={"status status-" + status.state} data-state={status.state}>
            {status.label}
          </span>
        )}
        {status?.state === "failed" && (
          <button class="small" disabled={busy} onClick={() => act(() => w.retry(props.cid, m.client_id))}>
            Retry
          </button>
        )}
        {!mine && urgent && !m.recalled && !ackedByMe && (
          <button class="primary small ack" disabled={busy} onClick={() => act(() => w.acknowledge(props.cid, m))}>
            Acknowledge
          </button>
        )}
        {!mine && urgent && ackedByMe && <span class="status status-acknowledged">You acknowledged</span>}
        {mine && !m.recalled && m.id && !confirming && canRecall(w.store.get().me?.user.role) && (
          <button class="small linklike recall" disabled={busy} onClick={() => setConfirming(true)}>
            Recall
          </button>
        )}
        {confirming && (
          <span class="confirm" role="group" aria-label="Recall this message?">
            <span>Recall for everyone?</span>
            <button
              class="small danger"
              ref={focusOnMount}
              disabled={busy}
              onClick={() => {
                setConfirming(false);
                void act(() => w.recall(props.cid, m));
              }}
            >
              Recall
            </button>
            <button class="small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        )}
      </div>
    </li>
  );
}

// AttachmentItem shows one attachment of a message: an image preview
// (served inline), its name, type and size, and a download link.
function AttachmentItem(props: { a: Attachment }) {
  const { a } = props;
  const [broken, setBroken] = useState(false);
  const preview = isPreviewable(a.content_type) && !broken;
  return (
    <li class="attachment" data-id={a.id}>
      {preview && (
        <a href={attachmentURL(a.id, true)} target="_blank" rel="noopener" class="preview-link">
          <img
            class="preview"
            src={attachmentURL(a.id, true)}
            alt={"Preview of " + a.name}
            loading="lazy"
            onError={() => setBroken(true)}
          />
        </a>
      )}
      <span class="att-meta">
        <span class="att-name">{a.name}</span>{" "}
        <span class="muted small">
          {typeLabel(a.content_type)} · {formatSize(a.size)}
        </span>{" "}
        <a class="att-download small" href={attachmentURL(a.id)} download={a.name}>
          Download<span class="sr-only"> {a.name}</span>
        </a>
      </span>
    </li>
  );
}

interface PendingUpload {
  key: string;
  name: string;
  size: number;
  pct: number;
  att?: Attachment;
  error?: string;
  handle?: UploadHandle;
}

const maxAttachments = 10;

function Composer(props: { cid: string; patientID: string }) {
  const w = useWard();
  const [body, setBody] = useState("");
  const [urgent, setUrgent] = useState(false);
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const st = w.store.get();
  const patient = isPatient(st.me?.user.role);
  // Patients and guests send no urgent messages and have no saved replies;
  // a guest uploads nothing; an outside thread's messages go by email link
  // (no urgent re-notification reaches them).
  const external = isExternal(st.me?.user.role);
  const guest = isGuest(st.me?.user.role);
  const outside = !!st.outside[props.cid];

  const current = useRef<PendingUpload[]>([]);
  current.current = uploads;
  // Uploads belong to the conversation they were made in.
  useEffect(() => {
    setUploads([]);
    return () => {
      for (const u of current.current) u.handle?.abort();
    };
  }, [props.cid]);

  const update = (key: string, p: Partial<PendingUpload>) =>
    setUploads((us) => us.map((u) => (u.key === key ? { ...u, ...p } : u)));

  function addFiles(files: FileList | null) {
    if (!files) return;
    const room = maxAttachments - uploads.length;
    const list = Array.from(files).slice(0, Math.max(0, room));
    if (files.length > list.length) w.toast(`At most ${maxAttachments} attachments per message.`);
    for (const f of list) {
      const key = crypto.randomUUID();
      const h = w.uploadFile(props.cid, f, (pct) => update(key, { pct }));
      setUploads((us) => [...us, { key, name: f.name, size: f.size, pct: 0, handle: h }]);
      h.done.then(
        (att) => update(key, { att, pct: 100, handle: undefined }),
        (e: unknown) =>
          update(key, {
            handle: undefined,
            error: e instanceof ApiError ? uploadErrorText(e.code, e.message, f.name) : uploadErrorText("", String(e), f.name),
          }),
      );
    }
    if (picker.current) picker.current.value = "";
  }

  function remove(u: PendingUpload) {
    u.handle?.abort();
    setUploads((us) => us.filter((x) => x.key !== u.key));
  }

  const uploading = uploads.some((u) => !u.att && !u.error);
  const ready = uploads.filter((u) => u.att).map((u) => u.att!);
  const canSend = !uploading && (!!body.trim() || ready.length > 0);

  function send(e?: Event) {
    e?.preventDefault();
    if (!canSend) return;
    const text = body.trim() || ready.map((a) => a.name).join(", ");
    void w.send(props.cid, text, urgent, ready);
    setBody("");
    setUrgent(false);
    setUploads([]);
    area.current?.focus();
  }

  return (
    <form class="composer" onSubmit={send} aria-label="Send a message">
      <label for="composer-body" class="sr-only">
        Message
      </label>
      <textarea
        id="composer-body"
        ref={area}
        rows={2}
        placeholder="Write a message"
        value={body}
        maxLength={16384}
        onInput={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
        }}
      />
      {uploads.length > 0 && (
        <ul class="uploads" id="uploads" aria-label="Files to send">
          {uploads.map((u) => (
            <li class={"upload" + (u.error ? " upload-failed" : u.att ? " upload-done" : "")} key={u.key} data-state={u.error ? "failed" : u.att ? "done" : "uploading"}>
              <span class="att-name">{u.name}</span> <span class="muted small">{formatSize(u.size)}</span>
              {u.error ? (
                <span class="error small" role="alert">
                  {u.error}
                </span>
              ) : (
                <>
                  <progress max={100} value={u.pct} aria-label={"Uploading " + u.name} />
                  <span class="muted small" role="status">
                    {u.att ? "Ready" : `${u.pct}%`}
                  </span>
                </>
              )}
              <button type="button" class="small linklike" onClick={() => remove(u)}>
                {u.att || u.error ? "Remove" : "Cancel"}
                <span class="sr-only"> {u.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-actions">
        <input
          type="file"
          id="composer-file"
          ref={picker}
          hidden
          multiple
          accept={acceptTypes}
          onChange={(e) => addFiles(e.currentTarget.files)}
        />
        {patient && (
          <>
            <input
              type="file"
              id="composer-camera-input"
              ref={camera}
              hidden
              accept={cameraAccept}
              capture="environment"
              onChange={(e) => {
                addFiles(e.currentTarget.files);
                e.currentTarget.value = "";
              }}
            />
            <button
              type="button"
              id="composer-camera"
              class="camera"
              onClick={() => camera.current?.click()}
              disabled={uploads.length >= maxAttachments}
            >
              <span aria-hidden="true">📷</span> Take photo
            </button>
          </>
        )}
        {!external && (
          <RepliesPicker
            patientID={props.patientID}
            onText={(text) => {
              setBody((b) => (b.trim() ? b + "\n" + text : text));
              area.current?.focus();
            }}
          />
        )}
        {!guest && (
          <button type="button" id="composer-attach" onClick={() => picker.current?.click()} disabled={uploads.length >= maxAttachments}>
            Attach file
          </button>
        )}
        {!external && !outside && (
          <label class={"check urgent-toggle" + (urgent ? " on" : "")}>
            <input type="checkbox" id="composer-urgent" checked={urgent} onChange={(e) => setUrgent(e.currentTarget.checked)} />
            Urgent
          </label>
        )}
        <button type="submit" class="primary" id="composer-send" disabled={!canSend}>
          Send
        </button>
      </div>
      <p class="muted small hint">
        Enter sends · Shift+Enter adds a line{urgent ? " · urgent messages re-notify until acknowledged" : ""}
        {outside ? " · each message emails the recipient a new secure link" : ""}
      </p>
    </form>
  );
}
