// IdleTimer mirrors the server's automatic logoff (HIPAA §164.312(a)(2)(iii)).
// The server ends a session after idle_timeout seconds without a request; the
// client counts from its own last request, warns a little before the end, and
// signs out just before the server would. A user who was active (typed,
// clicked, touched) since the last request is not warned: the timer makes a
// keep-alive request for them instead. The server stays the authority: this
// only makes its decision visible.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface IdleOptions {
  timeoutMs: number; // the server's idle timeout
  warnMs?: number; // how long before the end the warning shows (default: see warnLead)
  marginMs?: number; // sign out this long before the server's deadline (default 1 s)
  clock?: Clock;
  onWarn: (deadline: number) => void; // show the warning; deadline is clock time
  onClear: () => void; // hide the warning
  onKeepAlive: () => void; // make a request (it calls noteRequest when it succeeds)
  onExpire: () => void; // sign out
}

// warnLead is how long before the end the warning shows: a third of the
// timeout, at least 5 s and at most 60 s.
export function warnLead(timeoutMs: number): number {
  return Math.min(60_000, Math.max(5_000, Math.floor(timeoutMs / 3)));
}

export type IdleState = "active" | "warning" | "expired" | "stopped";

export class IdleTimer {
  private o: IdleOptions;
  private clock: Clock;
  private lastRequest: number;
  private lastActivity = -Infinity;
  private handle: unknown = null;
  state: IdleState = "active";

  constructor(o: IdleOptions) {
    this.o = o;
    this.clock = o.clock ?? {
      now: () => Date.now(),
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as number),
    };
    this.lastRequest = this.clock.now();
    this.schedule();
  }

  get deadline(): number {
    return this.lastRequest + this.o.timeoutMs;
  }

  setTimeoutMs(ms: number): void {
    this.o.timeoutMs = ms;
    if (this.state === "active") this.schedule();
  }

  // noteRequest: a request reached the server, which restarted its clock.
  noteRequest(): void {
    if (this.state === "expired" || this.state === "stopped") return;
    this.lastRequest = this.clock.now();
    if (this.state === "warning") this.o.onClear();
    this.state = "active";
    this.schedule();
  }

  // noteActivity: the user did something. During the warning it counts as
  // "stay signed in".
  noteActivity(): void {
    if (this.state === "expired" || this.state === "stopped") return;
    this.lastActivity = this.clock.now();
    if (this.state === "warning") this.o.onKeepAlive();
  }

  stop(): void {
    this.state = "stopped";
    this.cancel();
  }

  private cancel(): void {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
  }

  private at(t: number, fn: () => void): void {
    this.cancel();
    this.handle = this.clock.setTimeout(() => {
      this.handle = null;
      fn();
    }, Math.max(0, t - this.clock.now()));
  }

  private schedule(): void {
    const warnAt = this.deadline - (this.o.warnMs ?? warnLead(this.o.timeoutMs));
    this.at(warnAt, () => this.check());
  }

  private check(): void {
    if (this.state !== "active") return;
    if (this.lastActivity > this.lastRequest) {
      // Active since the last request: keep the session, do not nag.
      this.o.onKeepAlive();
      // If the keep-alive fails, the expiry below still applies.
      this.at(this.deadline - (this.o.marginMs ?? 1_000), () => this.expire());
      return;
    }
    this.state = "warning";
    this.o.onWarn(this.deadline);
    this.at(this.deadline - (this.o.marginMs ?? 1_000), () => this.expire());
  }

  private expire(): void {
    if (this.state === "expired" || this.state === "stopped") return;
    this.state = "expired";
    this.cancel();
    this.o.onExpire();
  }
}
