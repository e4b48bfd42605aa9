import { createHmac, timingSafeEqual } from "node:crypto";

/** The headers Chatwoot signs a delivery with (lower-case, as Node hands them over). */
export const SIGNATURE_HEADER = "x-chatwoot-signature";
export const TIMESTAMP_HEADER = "x-chatwoot-timestamp";

export type SignatureCheck = { ok: true } | { ok: false; code: SignatureFailure; reason: string };

export type SignatureFailure =
  | "missing_signature"
  | "missing_timestamp"
  | "malformed_signature"
  | "malformed_timestamp"
  | "stale_timestamp"
  | "future_timestamp"
  | "bad_signature";

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;
const TIMESTAMP = /^\d{1,15}$/;

/**
 * Checks a Chatwoot delivery signature: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret,
 * "<timestamp>.<raw body>")>` with `X-Chatwoot-Timestamp` (unix seconds) no further than
 * `maxSkewSeconds` from `nowSeconds` either way. The HMAC runs over the raw body bytes and the
 * digests are compared in constant time.
 */
export function verifySignature(
  secret: string,
  rawBody: Buffer,
  headers: { signature: unknown; timestamp: unknown },
  nowSeconds: number,
  maxSkewSeconds: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (signature === undefined || signature === "")
    return fail("missing_signature", "missing X-Chatwoot-Signature header");
  if (timestamp === undefined || timestamp === "")
    return fail("missing_timestamp", "missing X-Chatwoot-Timestamp header");
  const hex = typeof signature === "string" ? SIGNATURE.exec(signature)?.[1] : undefined;
  if (!hex) return fail("malformed_signature", "X-Chatwoot-Signature: expected sha256=<64 hex digits>");
  if (typeof timestamp !== "string" || !TIMESTAMP.test(timestamp))
    return fail("malformed_timestamp", "X-Chatwoot-Timestamp: expected unix seconds");
  const sent = Number(timestamp);
  if (sent < nowSeconds - maxSkewSeconds)
    return fail("stale_timestamp", `X-Chatwoot-Timestamp: older than ${maxSkewSeconds} s`);
  if (sent > nowSeconds + maxSkewSeconds)
    return fail("future_timestamp", `X-Chatwoot-Timestamp: more than ${maxSkewSeconds} s in the future`);
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  const given = Buffer.from(hex, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail("bad_signature", "X-Chatwoot-Signature does not match the body");
  return { ok: true };
}

function fail(code: SignatureFailure, reason: string): SignatureCheck {
  return { ok: false, code, reason };
}
