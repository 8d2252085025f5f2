// Reconnect delays: exponential growth with jitter, capped, so that a
// thousand browsers that lose the server at once do not all come back in
// the same millisecond.

export interface BackoffOptions {
  baseMs: number; // first delay
  maxMs: number; // cap
  factor?: number; // growth per attempt (default 2)
  jitter?: number; // 0..1: the share of the delay that is random (default 0.5)
  random?: () => number; // [0, 1); default Math.random
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

// backoffDelay is the delay before reconnect attempt number attempt (0 is the
// first retry after a drop).
export function backoffDelay(attempt: number, o: BackoffOptions = defaultBackoff): number {
  const factor = o.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, o.jitter ?? 0.5));
  const random = o.random ?? Math.random;
  const n = Math.max(0, Math.floor(attempt));
  const raw = Math.min(o.maxMs, o.baseMs * Math.pow(factor, Math.min(n, 30)));
  return Math.round(raw * (1 - jitter) + raw * jitter * random());
}
