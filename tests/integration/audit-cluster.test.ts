import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { RedisClusterFixture } from "../support/redis-cluster.js";

describe("the Redis audit store on a Redis Cluster", () => {
  const fixture = new RedisClusterFixture();
  let cluster: Cluster;

  beforeAll(async () => {
    const nodes = await fixture.start();
    cluster = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 2 } });
    await cluster.ping();
  }, 60_000);
  afterAll(async () => {
    cluster?.disconnect();
    await fixture.stop();
  });

  it("runs every transition, query and verification of several tenants without cross-slot errors", async () => {
    const store = new RedisAuditStore({ redis: cluster });
    const tenants = ["benova", "sonrisa", "dermacare", "otra"];
    const managers = tenants.map(
      (companyId) =>
        new AuditManager({ companyId, store, signingKey: "cluster-signing-key-000001", sealIntervalMs: 0 }),
    );
    // Different tenants hash to different slots, so they land on different nodes.
    const slots = new Set(await Promise.all(tenants.map((t) => cluster.cluster("KEYSLOT", `{${t}}`))));
    expect(slots.size).toBeGreaterThan(1);

    for (const audit of managers) {
      for (let i = 0; i < 5; i++) {
        const e = await audit.logAction({
          userId: `user-${i % 2}`,
          actionType: "booking",
          actionName: "create_booking",
          compensable: true,
          compensationAction: "delete_booking",
          conversationId: "c1",
          sagaId: "s1",
          tags: ["calendar", "vip"],
          idempotencyKey: `k-${i}`,
        });
        await audit.markSuccess(e.auditId, { event_id: `ev${i}` }, 3);
        if (i === 0) await audit.compensate(e.auditId, "rolled back");
      }
      await audit.seal();
    }
    for (const audit of managers) {
      expect(await audit.getUserActions("user-0")).toHaveLength(3);
      expect((await audit.query({ tag: "vip", status: "success" })).entries).toHaveLength(4);
      expect((await audit.query({ sagaId: "s1", limit: 2 })).nextCursor).toBeTruthy();
      expect((await audit.findByIdempotencyKey("k-3"))?.companyId).toBe(audit.companyId);
      expect(await audit.verify()).toMatchObject({
        ok: true,
        entriesChecked: 5,
        recordsChecked: 11,
        unsealedRecords: 0,
      });
    }
  });
});
