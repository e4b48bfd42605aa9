import { describe, expect, it } from "vitest";
import { verifySignature } from "../../src/server/http/signature.js";
import { signWebhook } from "../support/chatwoot-webhook.js";

const SECRET = "s3cret-for-signature-tests";
const BODY = Buffer.from('{"event":"message_created","content":"¿Mañana a las 10?"}', "utf8");
const NOW = 1_800_000_000;

function check(signature: unknown, timestamp: unknown, body = BODY, now = NOW) {
  return verifySignature(SECRET, body, { signature, timestamp }, now, 300);
}

describe("verifySignature", () => {
  const good = signWebhook(SECRET, BODY.toString("utf8"), NOW);

  it("accepts Chatwoot's signature over the raw UTF-8 bytes, upper-case hex too", () => {
    expect(check(good, String(NOW))).toEqual({ ok: true });
    expect(check(`sha256=${good.slice(7).toUpperCase()}`, String(NOW))).toEqual({ ok: true });
  });

  it("accepts timestamps up to the skew either way and refuses beyond it", () => {
    const at = (ts: number) => check(signWebhook(SECRET, BODY.toString("utf8"), ts), String(ts));
    expect(at(NOW - 300)).toEqual({ ok: true });
    expect(at(NOW + 300)).toEqual({ ok: true });
    expect(at(NOW - 301)).toMatchObject({ ok: false, code: "stale_timestamp" });
    expect(at(NOW + 301)).toMatchObject({ ok: false, code: "future_timestamp" });
  });

  it("names what is wrong", () => {
    expect(check(undefined, String(NOW))).toMatchObject({ code: "missing_signature" });
    expect(check("", String(NOW))).toMatchObject({ code: "missing_signature" });
    expect(check(good, undefined)).toMatchObject({ code: "missing_timestamp" });
    expect(check(good.slice(0, -2), String(NOW))).toMatchObject({ code: "malformed_signature" });
    expect(check(`sha1=${good.slice(7)}`, String(NOW))).toMatchObject({ code: "malformed_signature" });
    expect(check([good, good], String(NOW))).toMatchObject({ code: "malformed_signature" });
    expect(check(good, `${NOW}.5`)).toMatchObject({ code: "malformed_timestamp" });
    expect(check(good, "-1")).toMatchObject({ code: "malformed_timestamp" });
    expect(check(good, "9".repeat(40))).toMatchObject({ code: "malformed_timestamp" });
  });

  it("refuses a signature of another body, timestamp or secret", () => {
    expect(check(good, String(NOW), Buffer.from(`${BODY.toString("utf8")} `))).toMatchObject({
      code: "bad_signature",
    });
    expect(check(good, String(NOW + 1))).toMatchObject({ code: "bad_signature" });
    expect(check(signWebhook("other", BODY.toString("utf8"), NOW), String(NOW))).toMatchObject({
      code: "bad_signature",
    });
  });
});
