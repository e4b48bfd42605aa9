import { describe, expect, it } from "vitest";
import { idTime, newId } from "../../src/util/ids.js";
import { createLogger } from "../../src/util/logger.js";
import { isSecretKey, maskPii, REDACTED, redactSecrets } from "../../src/util/redaction.js";

describe("ids", () => {
  it("sort by creation time, also within one millisecond", () => {
    const ids = Array.from({ length: 500 }, () => newId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
    expect(idTime(ids[0] as string)).toBe(1_800_000_000_000);
    expect(newId(1_800_000_000_001) > (ids.at(-1) as string)).toBe(true);
  });
});

describe("redaction", () => {
  it("recognises secret-looking keys and leaves ordinary ones", () => {
    for (const k of [
      "password",
      "pass",
      "smtp_pass",
      "apiKey",
      "api_key",
      "X-Api-Key",
      "Authorization",
      "access_token",
      "client_secret",
      "privateKey",
    ]) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ["name", "max_tokens", "idempotencyKey", "passenger", "event_id"])
      expect(isSecretKey(k), k).toBe(false);
  });

  it("redacts deeply without changing the input", () => {
    const input = { a: { password: "p", list: [{ token: "t" }] }, ok: 1 };
    const out = redactSecrets(input) as typeof input;
    expect(out).toEqual({ a: { password: REDACTED, list: [{ token: REDACTED }] }, ok: 1 });
    expect(input.a.password).toBe("p");
  });

  it("masks PII and scrubs bearer tokens and known secret values from text", () => {
    expect(maskPii("lucia@example.com")).toBe("l***@example.com");
    const out = redactSecrets(
      { email: "lucia@example.com", msg: "401 with Bearer abcdefghijkl and key s3cr3t-value" },
      { piiKeys: ["email"], secretValues: ["s3cr3t-value"] },
    );
    expect(out).toEqual({
      email: "l***@example.com",
      msg: `401 with Bearer ${REDACTED} and key ${REDACTED}`,
    });
  });

  it("keeps secrets out of log lines", () => {
    const lines: string[] = [];
    createLogger("info", {}, (l) => lines.push(l)).info("calling provider", {
      apiKey: "sk-should-not-appear",
      user: "u1",
    });
    expect(lines[0]).toContain('"user":"u1"');
    expect(lines[0]).not.toContain("sk-should-not-appear");
    // Configured secret values are scrubbed from the message and free text, also in child loggers.
    const scrubbed = createLogger("info", {}, (l) => lines.push(l), {
      secretValues: ["smtp-pass-123456"],
    }).child({ c: 1 });
    scrubbed.error("login failed for smtp-pass-123456", { detail: "AUTH PLAIN smtp-pass-123456" });
    expect(lines[1]).toContain('"c":1');
    expect(lines[1]).not.toContain("smtp-pass-123456");
  });
});
