import { describe, expect, it } from "vitest";
import {
  AuditKeys,
  DEFAULT_PREFIX,
  queueNaming,
  resolvePrefix,
  SagaKeys,
  sendClaimPrefix,
  tenantRoot,
} from "../../src/redis/keys.js";

describe("the Redis key layout", () => {
  it("puts every key of a tenant under one prefix and the tenant's hash tag", () => {
    expect(DEFAULT_PREFIX).toBe("al");
    const audit = new AuditKeys("al", "benova");
    const saga = new SagaKeys("al", "benova");
    const keys = [
      audit.entry("01J0000000000000000000000A"),
      audit.all,
      audit.user("346"),
      audit.saga("s1"),
      audit.idempotency("k"),
      audit.chain,
      audit.head,
      audit.seals,
      saga.record("s1"),
      saga.all,
      saga.leases,
      ...saga.statusIndexes(["running", "completed"]),
      `${sendClaimPrefix("al", "benova", "email")}k`,
      `${sendClaimPrefix("al", "benova", "whatsapp")}1:k`,
    ];
    expect(keys.filter((k) => !k.startsWith("al:{benova}:"))).toEqual([]);
    expect(audit.entry("X")).toBe("al:{benova}:e:X");
    expect(saga.record("s1")).toBe("al:{benova}:sg:r:s1");
    expect(sendClaimPrefix("al", "benova", "email")).toBe("al:{benova}:email:sent:");
    expect(sendClaimPrefix("al", "benova", "whatsapp")).toBe("al:{benova}:chatwoot:sent:");
    expect(tenantRoot("t-1", "otra")).toBe("t-1:{otra}");
  });

  it("reserves al:queue for job queues, one hash tag per queue", () => {
    expect(queueNaming("webhooks")).toEqual({ name: "{webhooks}", prefix: "al:queue" });
    expect(queueNaming("webhooks", "t-1")).toEqual({ name: "{webhooks}", prefix: "t-1:queue" });
    expect(() => queueNaming("web:hooks")).toThrow(/invalid queue: expected lower-case letters/);
  });

  it("takes the default prefix when none is set and refuses one that would break the hash tag or SCAN", () => {
    expect(resolvePrefix(undefined)).toBe("al");
    expect(resolvePrefix("audit-0a1b2c3d4e")).toBe("audit-0a1b2c3d4e");
    for (const bad of ["", "al{x}", "al}", "a*", "a?", "a[b]", "a b", "x".repeat(65)]) {
      expect(() => resolvePrefix(bad), bad).toThrow(/invalid prefix: expected 1-64 letters/);
    }
  });

  it("refuses a tenant id that would change the hash tag", () => {
    for (const bad of ["", "a}b", "{a}"]) {
      expect(() => tenantRoot("al", bad), bad).toThrow(/invalid companyId/);
    }
  });
});
