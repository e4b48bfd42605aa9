import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * A ULID: 26 characters, lexicographically sortable by creation time and monotonic within one
 * process (ids made in the same millisecond still sort in creation order).
 */
export function newId(now: number = Date.now()): string {
  if (now < lastTime) {
    // An earlier clock (a step back, or a test clock): keep the time truthful, skip monotonicity.
    return encodeTime(now) + Array.from(randomBytes(16), (b) => CROCKFORD[b & 31]).join("");
  }
  if (now === lastTime) {
    // Same millisecond: increment the random part so ids still sort in creation order.
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      const v = lastRandom[i] ?? 0;
      if (v < 31) {
        lastRandom[i] = v + 1;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    const bytes = randomBytes(16);
    lastRandom = Array.from(bytes, (b) => b & 31);
    lastTime = now;
  }
  return encodeTime(now) + lastRandom.map((v) => CROCKFORD[v]).join("");
}

/** The creation time encoded in a ULID, in milliseconds. */
export function idTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10)) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) throw new Error(`not a time-sortable id: ${id}`);
    t = t * 32 + v;
  }
  return t;
}
