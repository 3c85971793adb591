import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562) generator: 48-bit millisecond timestamp, then a 12-bit counter
 * (monotonic within a millisecond), then random bits. Ids sort by time, which keeps
 * ClickHouse parts and Kafka consumers' dedup sets ordered. Random bytes are drawn in
 * blocks so the hot path does one string build per id.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const RANDOM_BLOCK = 4096;
const rnd = Buffer.allocUnsafe(RANDOM_BLOCK);
let rndPos = RANDOM_BLOCK;
let lastMs = -1;
let counter = 0;

function takeRandom(n: number): number {
  if (rndPos + n > RANDOM_BLOCK) { randomFillSync(rnd); rndPos = 0; }
  const p = rndPos; rndPos += n; return p;
}

/** A new UUIDv7 string; `nowMs` is a parameter so tests control the clock. */
export function uuidv7(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    // Start the counter at a small random value: monotonic, yet not guessable from the id alone.
    counter = rnd[takeRandom(1)]! & 0x3f;
  }
  else { counter++; if (counter > 0xfff) { lastMs++; counter = 0; } }
  const ms = lastMs;
  const p = takeRandom(8);
  const hi = Math.floor(ms / 0x10000);
  const lo = ms & 0xffff;
  return (
    HEX[(hi >>> 24) & 0xff]! + HEX[(hi >>> 16) & 0xff]! + HEX[(hi >>> 8) & 0xff]! + HEX[hi & 0xff]! + '-' +
    HEX[lo >>> 8]! + HEX[lo & 0xff]! + '-' +
    HEX[0x70 | (counter >>> 8)]! + HEX[counter & 0xff]! + '-' +
    HEX[0x80 | (rnd[p]! & 0x3f)]! + HEX[rnd[p + 1]!]! + '-' +
    HEX[rnd[p + 2]!]! + HEX[rnd[p + 3]!]! + HEX[rnd[p + 4]!]! + HEX[rnd[p + 5]!]! + HEX[rnd[p + 6]!]! + HEX[rnd[p + 7]!]!
  );
}

/** Milliseconds since the epoch encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
