import { useEffect, useState } from "preact/hooks";
import { useWard } from "./context";
import { hasPresence, presenceLabels, shownLabels, type Presence, type Shown } from "../notifications";
import { errorText } from "./common";

// How often colleagues' presence is read again.
const presenceEvery = 60_000;

// usePresence is colleagues' presence (those not available), for staff;
// patients and guests get nothing (the server refuses them too).
export function usePresence(): Record<string, Shown> {
  const w = useWard();
  const role = w.store.get().me?.user.role;
  const [presence, setPresence] = useState<Record<string, Shown>>({});
  useEffect(() => {
    if (!hasPresence(role)) return;
    let stop = false;
    const load = () =>
      w.api
        .get<{ users: Record<string, Shown> }>("/api/v1/presence")
        .then((a) => !stop && setPresence(a.users ?? {}))
        .catch(() => {});
    void load();
    const t = setInterval(load, presenceEvery);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [role]);
  return presence;
}

// PresenceDot marks a name with a colleague's presence (none: available).
export function PresenceDot(props: { presence?: Shown }) {
  if (!props.presence || props.presence === "available") return null;
  return (
    <span class={"presence-dot presence-" + props.presence} title={shownLabels[props.presence]} data-presence={props.presence}>
      <span class="sr-only">{shownLabels[props.presence]}</span>
    </span>
  );
}

// PresenceSelect is the header's selector of one's own presence (staff).
export function PresenceSelect() {
  const w = useWard();
  const role = w.store.get().me?.user.role;
  const [value, setValue] = useState<Presence | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    if (!hasPresence(role)) return;
    w.api
      .get<{ presence: Presence }>("/api/v1/me/presence")
      .then((a) => setValue(a.presence))
      .catch(() => {});
  }, [role]);
  if (!hasPresence(role) || value === null) return null;
  async function change(p: Presence) {
    const before = value;
    setValue(p);
    setError("");
    try {
      await w.api.put("/api/v1/me/presence", { presence: p });
    } catch (e) {
      setValue(before);
      setError(errorText(e));
    }
  }
  return (
    <label class="presence-select" title={error || "Your presence, shown to colleagues"}>
      <span class={"presence-dot presence-" + value} aria-hidden="true" />
      <span class="sr-only">Your presence</span>
      <select id="presence-select" value={value} onChange={(e) => void change((e.target as HTMLSelectElement).value as Presence)}>
        {(Object.keys(presenceLabels) as Presence[]).map((p) => (
          <option value={p} key={p}>
            {presenceLabels[p]}
          </option>
        ))}
      </select>
    </label>
  );
}
