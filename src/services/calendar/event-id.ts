import { createHash } from "node:crypto";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/**
 * A deterministic Google Calendar event id for an idempotency key: lower-case base32hex
 * (`[0-9a-v]`) of the first 20 bytes of sha256(key), 32 characters. The same key always gives
 * the same id, so a retried or resumed booking finds the event it already created.
 *
 * @example
 * eventIdFor("benova:conv-42:book") // "k8...", always the same for this key
 */
export function eventIdFor(idempotencyKey: string): string {
  if (typeof idempotencyKey !== "string" || idempotencyKey.length === 0) {
    throw new TypeError("eventIdFor: expected a non-empty idempotency key");
  }
  const bytes = createHash("sha256").update(idempotencyKey, "utf8").digest().subarray(0, 20);
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32HEX[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}
