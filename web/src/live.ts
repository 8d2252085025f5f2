// LiveConnection keeps one WebSocket to /api/v1/ws open: it reconnects with
// backoff after a drop and tells the app when it is back, so the app can ask
// for what it missed (GET …/messages?after=lastSeq). The socket is
// authenticated by the session cookie (same origin); no token is ever put in
// the URL.
import { backoffDelay, defaultBackoff, type BackoffOptions } from "./backoff";

export interface Frame {
  type: string;
  conversation_id?: string;
  seq?: number;
  data?: unknown;
}

// Answer is the server's answer to a request frame ({"type":"send"} or
// {"type":"mark"}): "sent" with the message, "marked" with how many
// receipts changed, or "error" with a problem document.
export interface Answer {
  type: "sent" | "marked" | "error";
  ref: string;
  status?: number;
  message?: Record<string, unknown>;
  changed?: number;
  problem?: { status?: number; code?: string; detail?: string };
}

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number): void;
  send(data: string): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Close statuses after which reconnecting as before cannot help
// (internal/realtime): 4401 signed out, 4403 device locked or wiped, 4409
// the user's role changed (the app must reload what the new role sees).
export const fatalCloseCodes = new Set([4401, 4403, 4409]);

export type LiveStatus = "connecting" | "open" | "waiting";

export interface LiveOptions {
  url: string;
  create?: (url: string) => SocketLike;
  onFrame: (f: Frame) => void;
  // onOpen is called on every open; reconnected is false the first time.
  onOpen?: (reconnected: boolean) => void;
  onStatus?: (s: LiveStatus, retryInMs?: number) => void;
  // onTrouble is called after several failed attempts in a row, so the app
  // can check whether the session still stands.
  onTrouble?: () => void;
  troubleAfter?: number;
  // onFatal is called, and no reconnect is tried, when the server closes
  // with a status that says the session or device is done (4401 signed
  // out, 4403 device locked or wiped) or the role changed (4409).
  onFatal?: (code: number) => void;
  backoff?: BackoffOptions;
  timers?: Timers;
}

export class LiveConnection {
  private sock: SocketLike | null = null;
  private isOpen = false;
  private attempt = 0;
  private opened = false;
  private refs = 0;
  private pending = new Map<string, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private stopped = true;
  private timer: unknown = null;
  private o: LiveOptions;
  private timers: Timers;

  constructor(o: LiveOptions) {
    this.o = o;
    this.timers = o.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as number),
    };
  }

  get attempts(): number {
    return this.attempt;
  }

  // open tells whether the socket is up, so that request can be tried.
  get open(): boolean {
    return this.isOpen;
  }

  // request sends a frame the server answers by ref ({"type":"send"},
  // {"type":"mark"}) and
  // resolves with the answer. It rejects when the socket is not open, closes
  // first, or gives no answer within timeoutMs: the caller then sends over
  // HTTP instead (a send repeats its client_id, so it is stored once).
  request(frame: Record<string, unknown>, timeoutMs = 15000): Promise<Answer> {
    const s = this.sock;
    if (!s || !this.isOpen) return Promise.reject(new Error("the live socket is not open"));
    const ref = String(++this.refs);
    return new Promise<Answer>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error("no answer over the live socket"));
      }, timeoutMs);
      const done = () => this.timers.clearTimeout(timer);
      this.pending.set(ref, {
        resolve: (a) => (done(), resolve(a)),
        reject: (e) => (done(), reject(e)),
      });
      try {
        s.send(JSON.stringify({ ...frame, ref }));
      } catch (e) {
        this.pending.get(ref)?.reject(e instanceof Error ? e : new Error("send failed"));
        this.pending.delete(ref);
      }
    });
  }

  // failPending rejects every request waiting for an answer.
  private failPending(): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(new Error("the live socket closed"));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const s = this.sock;
    this.sock = null;
    this.isOpen = false;
    this.failPending();
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      try {
        s.close(1000);
      } catch {
        /* already closed */
      }
    }
  }

  // retryNow skips the wait (the browser came back online, the tab became
  // visible).
  retryNow(): void {
    if (this.stopped || this.sock) return;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  private connect(): void {
    this.o.onStatus?.("connecting");
    const create = this.o.create ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = create(this.o.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.sock = s;
    s.onopen = () => {
      this.isOpen = true;
      const reconnected = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.o.onStatus?.("open");
      this.o.onOpen?.(reconnected);
    };
    s.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let f: Frame;
      try {
        f = JSON.parse(ev.data) as Frame;
      } catch {
        return;
      }
      if (!f || typeof f.type !== "string") return;
      const ref = (f as { ref?: unknown }).ref;
      if ((f.type === "sent" || f.type === "marked" || f.type === "error") && typeof ref === "string" && this.pending.has(ref)) {
        const p = this.pending.get(ref)!;
        this.pending.delete(ref);
        p.resolve(f as unknown as Answer);
        return;
      }
      this.o.onFrame(f);
    };
    s.onerror = () => {
      /* onclose follows */
    };
    s.onclose = (ev) => {
      if (this.sock !== s) return;
      this.sock = null;
      this.isOpen = false;
      this.failPending();
      const code = ev?.code ?? 0;
      if (fatalCloseCodes.has(code)) {
        this.stopped = true;
        this.o.onStatus?.("waiting");
        this.o.onFatal?.(code);
        return;
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.o.backoff ?? defaultBackoff);
    this.attempt++;
    if (this.attempt === (this.o.troubleAfter ?? 3)) this.o.onTrouble?.();
    this.o.onStatus?.("waiting", delay);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}

// liveURL is the socket address of this page's origin.
export function liveURL(loc: { protocol: string; host: string }): string {
  return (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/api/v1/ws";
}
