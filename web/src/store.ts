// A tiny observable store: the whole app state in one object, replaced (not
// mutated) on every change, and a hook that re-renders on change.
import { useEffect, useState } from "preact/hooks";

export class Store<S extends object> {
  private s: S;
  private subs = new Set<() => void>();
  private initial: S;

  constructor(initial: S) {
    this.initial = initial;
    this.s = initial;
  }
  get(): S {
    return this.s;
  }
  set(patch: Partial<S> | ((s: S) => Partial<S>)): void {
    const p = typeof patch === "function" ? patch(this.s) : patch;
    this.s = { ...this.s, ...p };
    for (const f of this.subs) f();
  }
  // reset drops everything back to the initial state (sign-out, wipe).
  reset(patch: Partial<S> = {}): void {
    this.s = { ...this.initial, ...patch };
    for (const f of this.subs) f();
  }
  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

export function useStore<S extends object>(store: Store<S>): S {
  const [, setTick] = useState(0);
  const rendered = store.get();
  useEffect(() => {
    const unsubscribe = store.subscribe(() => setTick((t) => t + 1));
    // A change between this render and the subscription (effects run after
    // paint) would otherwise be missed.
    if (store.get() !== rendered) setTick((t) => t + 1);
    return unsubscribe;
  }, [store]);
  return rendered;
}
