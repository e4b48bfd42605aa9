import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, tenantConfig } from "../../src/config/index.js";

describe("loadConfig", () => {
  it("runs on embedded defaults with an empty environment", () => {
    const c = loadConfig({});
    expect(c.env).toMatchObject({
      DATA_DIR: ".data",
      AUDIT_TTL_DAYS: 90,
      COMPANY_ID: "benova",
      LOG_LEVEL: "info",
      PORT: 3000,
    });
    expect(c.env.REDIS_URL).toBeUndefined();
    expect(tenantConfig(c, "benova")).toMatchObject({ timeZone: "Europe/Madrid", locale: "es" });
  });

  it("names every bad variable and what it expects", () => {
    let err: unknown;
    try {
      loadConfig({
        AUDIT_TTL_DAYS: "ninety",
        REDIS_URL: "localhost:6379",
        SMTP_SECURE: "maybe",
        AUDIT_SIGNING_KEY: "short",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/AUDIT_TTL_DAYS: expected a number of days/);
    expect(message).toMatch(/REDIS_URL: expected an absolute URL/);
    expect(message).toMatch(/SMTP_SECURE: expected true or false/);
    expect(message).toMatch(/AUDIT_SIGNING_KEY: expected at least 16 characters/);
  });

  it("reads a tenants file and validates it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    try {
      const good = join(dir, "tenants.json");
      writeFileSync(
        good,
        JSON.stringify({
          tenants: [
            {
              companyId: "otra",
              phone: " +57 601 000 0000 ",
              timeZone: "America/Bogota",
              openingHours: { open: "08:00" },
              requireApproval: true,
            },
          ],
        }),
      );
      const c = loadConfig({ TENANTS_FILE: good });
      expect(tenantConfig(c, "otra")).toMatchObject({
        timeZone: "America/Bogota",
        phone: "+57 601 000 0000",
        openingHours: { open: "08:00", close: "20:00" },
        requireApproval: true,
      });
      expect(tenantConfig(c, c.defaultCompanyId).phone).toBeUndefined();
      expect(tenantConfig(c, c.defaultCompanyId).requireApproval).toBe(false);
      expect(() => tenantConfig(c, "nobody")).toThrow(/unknown tenant "nobody"/);
      const bad = join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify([{ companyId: "x", timeZone: "Mars/Olympus" }]));
      expect(() => loadConfig({ TENANTS_FILE: bad })).toThrow(
        /TENANTS_FILE tenants\.0\.timeZone: expected an IANA time zone/,
      );
      writeFileSync(bad, JSON.stringify([{ companyId: "x", phone: "1" }]));
      expect(() => loadConfig({ TENANTS_FILE: bad })).toThrow(
        /TENANTS_FILE tenants\.0\.phone: expected a phone number/,
      );
      writeFileSync(bad, JSON.stringify([{ companyId: "x", requireApproval: "yes" }]));
      expect(() => loadConfig({ TENANTS_FILE: bad })).toThrow(
        /TENANTS_FILE tenants\.0\.requireApproval: expected true or false/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("collects configured secrets so they can be scrubbed", () => {
    const c = loadConfig({ SENDGRID_API_KEY: "SG.abcdefghijkl", SMTP_PASS: "smtp-password-1" });
    expect(c.secretValues).toEqual(expect.arrayContaining(["SG.abcdefghijkl", "smtp-password-1"]));
  });
});
