import { describe, expect, it } from "vitest";
import { IdleTimer, warnLead, type Clock } from "./idle";

function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { clock, advance };
}

function setup(timeoutMs = 30_000) {
  const c = fakeClock();
  const log: string[] = [];
  const t = new IdleTimer({
    timeoutMs,
    clock: c.clock,
    onWarn: (d) => log.push(`warn@${c.clock.now()} deadline ${d}`),
    onClear: () => log.push(`clear@${c.clock.now()}`),
    onKeepAlive: () => log.push(`keepalive@${c.clock.now()}`),
    onExpire: () => log.push(`expire@${c.clock.now()}`),
  });
  return { t, log, ...c };
}

describe("warnLead", () => {
  it("is a third of the timeout within 5 s and 60 s", () => {
    expect(warnLead(30_000)).toBe(10_000);
    expect(warnLead(9_000)).toBe(5_000);
    expect(warnLead(15 * 60_000)).toBe(60_000);
  });
});

describe("IdleTimer", () => {
  it("warns, then signs out just before the server would", () => {
    const s = setup();
    s.advance(19_999);
    expect(s.log).toEqual([]);
    s.advance(1);
    expect(s.log).toEqual(["warn@20000 deadline 30000"]);
    s.advance(10_000);
    expect(s.log).toEqual(["warn@20000 deadline 30000", "expire@29000"]);
    expect(s.t.state).toBe("expired");
  });

  it("a request restarts the count and hides the warning", () => {
    const s = setup();
    s.advance(21_000);
    s.t.noteRequest();
    expect(s.log).toEqual(["warn@20000 deadline 30000", "clear@21000"]);
    s.advance(19_000);
    expect(s.log.at(-1)).toBe("clear@21000");
    s.advance(1_000);
    expect(s.log.at(-1)).toBe("warn@41000 deadline 51000");
  });

  it("an active user gets a keep-alive instead of a warning", () => {
    const s = setup();
    s.advance(5_000);
    s.t.noteActivity();
    s.advance(15_000);
    expect(s.log).toEqual(["keepalive@20000"]);
    s.t.noteRequest(); // the keep-alive succeeded
    s.advance(19_000);
    expect(s.log).toEqual(["keepalive@20000"]);
  });

  it("activity during the warning counts as staying", () => {
    const s = setup();
    s.advance(22_000);
    s.t.noteActivity();
    expect(s.log).toEqual(["warn@20000 deadline 30000", "keepalive@22000"]);
  });

  it("a failed keep-alive still ends in sign-out", () => {
    const s = setup();
    s.advance(1);
    s.t.noteActivity();
    s.advance(29_999);
    expect(s.log).toEqual(["keepalive@20000", "expire@29000"]);
  });

  it("does nothing once stopped", () => {
    const s = setup();
    s.t.stop();
    s.t.noteRequest();
    s.t.noteActivity();
    s.advance(100_000);
    expect(s.log).toEqual([]);
  });
});
