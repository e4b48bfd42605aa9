import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { WebhookTenants } from "../../src/server/http/tenants.js";

const dir = mkdtempSync(join(tmpdir(), "server-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: dir, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("webhook settings", () => {
  it("have defaults", () => {
    const { env } = loadConfig({ DATA_DIR: dir });
    expect([
      env.WEBHOOK_MAX_BODY_BYTES,
      env.WEBHOOK_MAX_SKEW_SECONDS,
      env.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    ]).toEqual([262144, 300, 1200]);
  });

  it("refuse bad values, naming the variable", () => {
    expect(configError({ WEBHOOK_MAX_BODY_BYTES: "12" })).toMatch(
      /WEBHOOK_MAX_BODY_BYTES: expected at least 1024/,
    );
    expect(configError({ WEBHOOK_MAX_SKEW_SECONDS: "abc" })).toMatch(
      /WEBHOOK_MAX_SKEW_SECONDS: expected a number/,
    );
    expect(configError({ WEBHOOK_RATE_LIMIT_PER_MINUTE: "-1" })).toMatch(
      /WEBHOOK_RATE_LIMIT_PER_MINUTE: expected 0/,
    );
  });

  it("a tenant's webhook secret is its own, scrubbed like the others, and the environment's is the fallback", () => {
    const file = join(dir, "tenants.json");
    writeFileSync(
      file,
      JSON.stringify([
        { companyId: "benova" },
        { companyId: "sur", chatwootAccountId: 7, chatwootWebhookSecret: "tenant-secret-abcdef" },
        { companyId: "norte", chatwootAccountId: 8 },
      ]),
    );
    const config = loadConfig({
      DATA_DIR: dir,
      TENANTS_FILE: file,
      CHATWOOT_ACCOUNT_ID: "1",
      CHATWOOT_WEBHOOK_SECRET: "env-secret-123456",
    });
    expect(config.secretValues).toEqual(
      expect.arrayContaining(["tenant-secret-abcdef", "env-secret-123456"]),
    );
    const tenants = new WebhookTenants(config);
    expect(tenants.byAccount(1)).toEqual({ companyId: "benova", accountId: 1, secret: "env-secret-123456" });
    expect(tenants.byAccount(7)?.secret).toBe("tenant-secret-abcdef");
    expect(tenants.byAccount(8)).toEqual({ companyId: "norte", accountId: 8, secret: "env-secret-123456" });
    expect(tenants.byAccount(2)).toBeUndefined();
    expect(tenants.unsigned()).toEqual([]);
  });

  it("without any account id configured the default tenant takes every account", () => {
    const tenants = new WebhookTenants(loadConfig({ DATA_DIR: dir }));
    expect(tenants.routesByAccount).toBe(false);
    expect(tenants.byAccount(123)?.companyId).toBe("benova");
    expect(tenants.unsigned()).toEqual(["benova"]);
  });
});
