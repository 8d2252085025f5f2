import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";
import { LiveConnection, liveURL, type SocketLike } from "./live";

describe("backoffDelay", () => {
  const o = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };
  it("grows exponentially and is capped", () => {
    const at = (n: number, r: number) => backoffDelay(n, { ...o, random: () => r });
    expect(at(0, 1)).toBe(500);
    expect(at(1, 1)).toBe(1000);
    expect(at(3, 1)).toBe(4000);
    expect(at(20, 1)).toBe(30_000);
    expect(at(1000, 1)).toBe(30_000);
  });
  it("jitters within [raw*(1-jitter), raw]", () => {
    expect(backoffDelay(2, { ...o, random: () => 0 })).toBe(1000);
    expect(backoffDelay(2, { ...o, random: () => 0.999999 })).toBe(2000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(4, o);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
  it("treats bad attempts as the first", () => {
    expect(backoffDelay(-3, { ...o, random: () => 1 })).toBe(500);
  });
});

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  sent: string[] = [];
  close() {
    this.closed = true;
  }
  send(data: string) {
    this.sent.push(data);
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let next = 1;
  const frames: unknown[] = [];
  const opens: boolean[] = [];
  const fatal: number[] = [];
  let trouble = 0;
  const live = new LiveConnection({
    url: "wss://x/api/v1/ws",
    create: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    onFrame: (f) => frames.push(f),
    onOpen: (r) => opens.push(r),
    onTrouble: () => trouble++,
    onFatal: (c) => fatal.push(c),
    backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
    timers: {
      setTimeout: (fn, ms) => {
        const id = next++;
        timers.push({ fn, ms, id });
        return id;
      },
      clearTimeout: (h) => {
        const i = timers.findIndex((t) => t.id === h);
        if (i >= 0) timers.splice(i, 1);
      },
    },
  });
  const fire = () => timers.shift()!.fn();
  return { live, sockets, timers, frames, opens, fatal, fire, trouble: () => trouble };
}

describe("LiveConnection", () => {
  it("reconnects with growing delays and reports reconnects", () => {
    const h = harness();
    h.live.start();
    expect(h.sockets).toHaveLength(1);
    h.sockets[0].onopen!({});
    expect(h.opens).toEqual([false]);
    h.sockets[0].onclose!({ code: 1006 });
    expect(h.timers.map((t) => t.ms)).toEqual([100]);
    h.fire();
    h.sockets[1].onclose!({ code: 1006 });
    expect(h.timers.map((t) => t.ms)).toEqual([200]);
    h.fire();
    h.sockets[2].onclose!({ code: 1006 });
    expect(h.timers.map((t) => t.ms)).toEqual([400]);
    expect(h.trouble()).toBe(1); // after three failures in a row
    h.fire();
    h.sockets[3].onopen!({});
    expect(h.opens).toEqual([false, true]); // the app catches up after this
    h.sockets[3].onclose!({ code: 1006 });
    expect(h.timers.map((t) => t.ms)).toEqual([100]); // an open resets the backoff
  });

  it("parses frames and ignores junk", () => {
    const h = harness();
    h.live.start();
    const s = h.sockets[0];
    s.onmessage!({ data: '{"type":"message.created","conversation_id":"c","seq":3,"data":{}}' });
    s.onmessage!({ data: "not json" });
    s.onmessage!({ data: '{"no":"type"}' });
    s.onmessage!({ data: new ArrayBuffer(2) });
    expect(h.frames).toEqual([{ type: "message.created", conversation_id: "c", seq: 3, data: {} }]);
  });

  it("does not reconnect after a fatal close or stop", () => {
    const h = harness();
    h.live.start();
    h.sockets[0].onclose!({ code: 4403 });
    expect(h.fatal).toEqual([4403]);
    expect(h.timers).toHaveLength(0);

    const g = harness();
    g.live.start();
    g.sockets[0].onclose!({ code: 1006 });
    g.live.stop();
    expect(g.timers).toHaveLength(0);
    expect(g.sockets).toHaveLength(1);
  });

  it("retryNow skips the wait", () => {
    const h = harness();
    h.live.start();
    h.sockets[0].onclose!({ code: 1006 });
    h.live.retryNow();
    expect(h.timers).toHaveLength(0);
    expect(h.sockets).toHaveLength(2);
  });

  it("answers requests by ref and keeps events flowing", async () => {
    const h = harness();
    h.live.start();
    const s = h.sockets[0];
    await expect(h.live.request({ type: "send" })).rejects.toThrow(/not open/);
    s.onopen!({});
    expect(h.live.open).toBe(true);
    const a = h.live.request({ type: "send", conversation_id: "c", client_id: "k", body: "hi" });
    const b = h.live.request({ type: "send", conversation_id: "c", client_id: "k2", body: "yo" });
    const [fa, fb] = s.sent.map((x) => JSON.parse(x));
    expect(fa).toMatchObject({ type: "send", client_id: "k", ref: "1" });
    expect(fb.ref).toBe("2");
    s.onmessage!({ data: '{"type":"message.created","conversation_id":"c","seq":7}' });
    s.onmessage!({ data: JSON.stringify({ type: "error", ref: "2", problem: { status: 409, code: "conflict" } }) });
    s.onmessage!({ data: JSON.stringify({ type: "sent", ref: "1", status: 201, message: { id: "m", seq: 8 } }) });
    await expect(a).resolves.toMatchObject({ type: "sent", message: { seq: 8 } });
    await expect(b).resolves.toMatchObject({ type: "error", problem: { code: "conflict" } });
    const c = h.live.request({ type: "mark", conversation_id: "c", up_to_seq: 8, kind: "read" });
    s.onmessage!({ data: JSON.stringify({ type: "marked", ref: "3", changed: 2 }) });
    await expect(c).resolves.toMatchObject({ type: "marked", changed: 2 });
    expect(h.frames).toEqual([{ type: "message.created", conversation_id: "c", seq: 7 }]); // answers are not events
    expect(h.timers).toHaveLength(0); // the answered requests' timeouts are cleared
  });

  it("fails waiting requests when the socket closes or gives no answer", async () => {
    const h = harness();
    h.live.start();
    h.sockets[0].onopen!({});
    const a = h.live.request({ type: "send" });
    h.sockets[0].onclose!({ code: 1006 });
    await expect(a).rejects.toThrow(/closed/);
    expect(h.live.open).toBe(false);
    h.fire(); // reconnect
    h.sockets[1].onopen!({});
    const b = h.live.request({ type: "send" }, 5000);
    expect(h.timers.map((t) => t.ms)).toEqual([5000]);
    h.fire(); // the timeout
    await expect(b).rejects.toThrow(/no answer/);
  });

  it("builds the socket URL from the page's origin", () => {
    expect(liveURL({ protocol: "https:", host: "ward.example:8443" })).toBe("wss://ward.example:8443/api/v1/ws");
  });
});
