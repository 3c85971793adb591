import type { LogSink } from '../journal/options.js';

/** Exponential backoff with full jitter and a max delay (kafkajs-style). */
export interface Backoff {
  /** Delay before the next attempt; grows by `factor` up to `maxMs`, randomised by ±jitter. */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

export interface BackoffOptions {
  /** First delay in ms (default 100). */
  initialMs?: number;
  /** Largest delay in ms (default 10000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Random spread as a fraction of the delay (default 0.2). */
  jitter?: number;
  random?: () => number;
}

export function createBackoff(o: BackoffOptions = {}): Backoff {
  const initial = o.initialMs ?? 100;
  const max = o.maxMs ?? 10_000;
  const factor = o.factor ?? 2;
  const jitter = o.jitter ?? 0.2;
  const random = o.random ?? Math.random;
  let attempts = 0;
  return {
    get attempts() { return attempts; },
    next() {
      const base = Math.min(max, initial * factor ** attempts);
      attempts++;
      return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
    },
    reset() { attempts = 0; },
  };
}

/** Logs a dependency's state once per transition (down, then back), never once per retry. */
export interface Availability {
  down(err: unknown): void;
  up(): void;
  readonly isDown: boolean;
}

export function trackAvailability(log: LogSink, what: string): Availability {
  let downSince = 0;
  let failures = 0;
  return {
    get isDown() { return downSince !== 0; },
    down(err) {
      failures++;
      if (downSince !== 0) return;
      downSince = Date.now();
      log.warn(`${what} unavailable: ${(err as Error)?.message ?? String(err)}; retrying with backoff, events keep accumulating in the journal`);
    },
    up() {
      if (downSince === 0) return;
      log.info(`${what} available again after ${((Date.now() - downSince) / 1000).toFixed(1)} s and ${failures} failed attempts`);
      downSince = 0; failures = 0;
    },
  };
}
