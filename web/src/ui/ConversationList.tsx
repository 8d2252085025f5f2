import { useWard } from "./context";
import { Link, formatTime } from "./common";
import { isPatient, portalWelcome } from "../portal";
import { canWriteOutside } from "../api";
import { isGuest } from "../outside";
import { presenceOfConversation } from "../notifications";
import { PresenceDot, usePresence } from "./Presence";

export function ConversationList() {
  const w = useWard();
  const st = w.store.get();
  const current = st.route.name === "conversation" ? st.route.id : "";
  const patient = isPatient(st.me?.user.role);
  const guest = isGuest(st.me?.user.role);
  const presence = usePresence();
  return (
    <div class="convlist">
      <div class="convlist-head">
        <h2>{patient || guest ? "Your messages" : "Conversations"}</h2>
        {guest ? null : patient ? (
          <Link href="/new" class="button small" id="write-care-team-link">
            Write
          </Link>
        ) : (
          <span class="convlist-actions">
            {canWriteOutside(st.me?.user.role) && (
              <Link href="/new/outside" class="button small secondary" id="write-outside-link">
                Outside<span class="sr-only"> address</span>
              </Link>
            )}
            <Link href="/new" class="button small" id="new-conversation">
              New
            </Link>
          </span>
        )}
      </div>
      {!st.conversationsLoaded ? (
        <p class="muted pad">Loading…</p>
      ) : st.conversations.length === 0 ? (
        <p class="muted pad" id="no-conversations">
          {guest ? "No messages." : patient ? portalWelcome + "." : "No conversations yet. Start one with “New”."}
        </p>
      ) : (
        <ul class="convs" id="conversations">
          {st.conversations.map((c) => {
            const title = w.conversationTitle(c);
            const urgent = c.urgent_unacked > 0;
            const outside = st.outside[c.id];
            return (
              <li key={c.id}>
                <Link
                  href={`/c/${c.id}`}
                  class={"conv" + (c.unread ? " unread" : "") + (urgent ? " urgent" : "")}
                  aria-current={current === c.id ? "page" : undefined}
                >
                  <span class="conv-title">
                    {urgent && (
                      <span class="badge urgent-badge" title="Urgent message waiting for acknowledgement">
                        Urgent
                      </span>
                    )}
                    <PresenceDot presence={presenceOfConversation(c, st.me?.user.id, presence)} />
                    {title}
                  </span>
                  <span class="conv-meta">
                    <span class="muted">{formatTime(c.last_message_at)}</span>
                    {c.unread > 0 && (
                      <span class="count" aria-label={`${c.unread} unread`}>
                        {c.unread}
                      </span>
                    )}
                  </span>
                  {outside && (
                    <span class={"muted small outside-tag outside-" + outside.status} data-status={outside.status}>
                      Outside · {outside.status}
                    </span>
                  )}
                  <span class="sr-only">
                    {c.kind === "group" ? "group conversation" : "direct conversation"}
                    {c.unread ? `, ${c.unread} unread` : ""}
                    {urgent ? ", urgent" : ""}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
