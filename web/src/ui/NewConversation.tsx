import { useMemo, useState } from "preact/hooks";
import { useWard } from "./context";
import { ErrorLine, Link, errorText, focusOnMount } from "./common";
import { canWriteOutside } from "../api";
import { PresenceDot, usePresence } from "./Presence";

// NewConversation picks people from the org directory (searchable) and
// starts a direct conversation (one person) or a group (several).
export function NewConversation() {
  const w = useWard();
  const st = w.store.get();
  const me = st.me?.user.id;
  const [q, setQ] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [title, setTitle] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const presence = usePresence();

  const people = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return Object.values(st.users)
      .filter((u) => u.id !== me && !u.disabled && u.role !== "patient")
      .filter(
        (u) =>
          !needle ||
          u.name.toLowerCase().includes(needle) ||
          u.email.toLowerCase().includes(needle) ||
          u.role.includes(needle),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [st.users, q, me]);

  const group = picked.length > 1;

  async function start(e: Event) {
    e.preventDefault();
    if (!picked.length) return;
    setBusy(true);
    setError("");
    try {
      const id = await w.createConversation(group ? "group" : "direct", picked, group ? title.trim() : "");
      w.navigate(`/c/${id}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const toggle = (id: string) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id]);

  return (
    <form class="pad stack" onSubmit={start} aria-labelledby="new-title">
      <h1 id="new-title">New conversation</h1>
      {canWriteOutside(st.me?.user.role) && (
        <p class="muted">
          Someone without a ward account? <Link href="/new/outside">Write to an outside address</Link>.
        </p>
      )}
      <label for="directory-search">Search the directory</label>
      <input
        id="directory-search"
        type="search"
        placeholder="Name, email or role"
        value={q}
        ref={focusOnMount}
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      <fieldset>
        <legend>People ({picked.length} chosen)</legend>
        {people.length === 0 ? (
          <p class="muted">Nobody matches.</p>
        ) : (
          <ul class="people" id="directory">
            {people.map((u) => (
              <li key={u.id}>
                <label class="person">
                  <input type="checkbox" checked={picked.includes(u.id)} onChange={() => toggle(u.id)} value={u.id} />
                  <span>
                    <PresenceDot presence={presence[u.id]} />
                    <strong>{u.name}</strong> <span class="muted">· {u.role}</span>
                    <br />
                    <span class="muted small">{u.email}</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      {group && (
        <>
          <label for="group-title">Group name (optional)</label>
          <input id="group-title" maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </>
      )}
      <ErrorLine error={error} />
      <button class="primary" type="submit" id="start-conversation" disabled={!picked.length || busy}>
        {group ? `Start group with ${picked.length}` : "Start conversation"}
      </button>
    </form>
  );
}
