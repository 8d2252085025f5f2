import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";

// lazy makes a component whose code is fetched the first time it shows
// (a separate chunk of the build): the staff and compliance screens, so a
// patient's phone downloads only the portal. Until the code is there it
// shows a loading line; if it cannot be fetched (offline), it says so.
export function lazy<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | null = null;
  let loading: Promise<FunctionComponent<P>> | null = null;
  return function Lazy(props: P) {
    const [, setTick] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      loading ??= load().then((c) => (loaded = c));
      loading.then(
        () => live && setTick((n) => n + 1),
        () => {
          loading = null; // try again next time
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const C = loaded;
      return <C {...props} />;
    }
    return (
      <p class="pad muted" role="status">
        {failed ? "This screen could not be loaded. Check the connection and reload the page." : "Loading…"}
      </p>
    );
  };
}
