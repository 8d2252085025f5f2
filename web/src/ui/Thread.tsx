import { useEffect, useRef, useState } from "preact/hooks";
import { canRecall } from "../api";
import { messageStatus, type Message } from "../messaging";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, formatTime, focusOnMount } from "./common";

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
          {conv && (
            <p class="muted small">
              {conv.kind === "group" ? `Group · ${conv.members.length} members` : "Direct conversation"}
            </p>
          )}
        </div>
      </header>
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
      <Composer cid={props.id} />
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
      class={"msg" + (mine ? " mine" : "") + (urgent ? " urgent" : "") + (m.recalled ? " recalled" : "")}
      data-seq={m.seq || undefined}
      data-id={m.id || undefined}
    >
      <div class="msg-head">
        <span class="sender">{mine ? "You" : w.userName(m.sender_id)}</span>
        {urgent && <span class="badge urgent-badge">Urgent</span>}
        <time class="muted" dateTime={m.created_at}>
          {formatTime(m.created_at)}
        </time>
      </div>
      {m.recalled ? (
        <p class="body tombstone">This message was recalled.</p>
      ) : (
        <p class="body">{m.body}</p>
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

function Composer(props: { cid: string }) {
  const w = useWard();
  const [body, setBody] = useState("");
  const [urgent, setUrgent] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);

  function send(e?: Event) {
    e?.preventDefault();
    const text = body.trim();
    if (!text) return;
    void w.send(props.cid, text, urgent);
    setBody("");
    setUrgent(false);
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
      <div class="composer-actions">
        <label class={"check urgent-toggle" + (urgent ? " on" : "")}>
          <input type="checkbox" id="composer-urgent" checked={urgent} onChange={(e) => setUrgent(e.currentTarget.checked)} />
          Urgent
        </label>
        <button type="submit" class="primary" id="composer-send" disabled={!body.trim()}>
          Send
        </button>
      </div>
      <p class="muted small hint">Enter sends · Shift+Enter adds a line{urgent ? " · urgent messages re-notify until acknowledged" : ""}</p>
    </form>
  );
}
