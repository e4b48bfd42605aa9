import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";

/** A service account key file as Google issues it, with a real RSA key. */
function serviceAccountKey() {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const key = {
    type: "service_account",
    project_id: "clinic-test",
    private_key_id: "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
    private_key: privateKey,
    client_email: "agent@clinic-test.iam.gserviceaccount.com",
    token_uri: "https://oauth2.googleapis.com/token",
  };
  return { key, json: JSON.stringify(key) };
}

/** Text that must not appear anywhere: the key id and every line of the key body. */
function secretParts(key: { private_key: string; private_key_id: string }): string[] {
  const body = key.private_key.split("\n").filter((l) => l && !l.startsWith("-----"));
  return [key.private_key_id, ...body];
}

describe("the Google service account key is a secret", () => {
  let dir = "";
  let app: App | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it("is scrubbed from log lines and audit entries: the JSON text, the private key and its id", async () => {
    dir = mkdtempSync(join(tmpdir(), "secrets-"));
    const { key, json } = serviceAccountKey();
    const lines: string[] = [];
    app = await App.create(
      loadConfig({ DATA_DIR: dir, LOG_LEVEL: "debug", GOOGLE_SERVICE_ACCOUNT_JSON: json }),
      { logWrite: (line) => lines.push(line) },
    );
    const escapedKey = JSON.stringify(key.private_key).slice(1, -1);
    // Under keys that do not look secret, so only the configured values can catch them.
    app.logger.child({ calendar: "google" }).warn(`token request failed for ${json}`, {
      detail: key.private_key,
      quoted: `"private_key":"${escapedKey}"`,
      keyId: key.private_key_id,
      line: key.private_key.split("\n")[3],
    });
    const audit = app.auditFor();
    const entry = await audit.logAction({
      userId: "u1",
      actionType: "booking",
      actionName: "create_booking",
      inputParams: { note: json, pem: key.private_key, kid: key.private_key_id },
    });
    await audit.markFailed(
      entry.auditId,
      `invalid_grant for key ${key.private_key_id}: ${key.private_key}`,
      5,
    );
    const stored = JSON.stringify(await audit.getEntry(entry.auditId));

    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).toContain("[REDACTED]");
    expect(JSON.parse(line)).toMatchObject({ level: "warn", calendar: "google", keyId: "[REDACTED]" });
    expect(stored).toContain("[REDACTED]");
    expect(stored).toContain("invalid_grant");
    for (const part of [...secretParts(key), json, escapedKey, "BEGIN PRIVATE KEY"]) {
      expect(line, "log line").not.toContain(part);
      expect(stored, "audit entry").not.toContain(part);
    }
  });

  it("counts the password of REDIS_URL as a secret value", () => {
    const config = loadConfig({ REDIS_URL: "redis://:redis-pass-123@127.0.0.1:6390" });
    expect(config.secretValues).toContain("redis-pass-123");
  });
});
