import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisChatwootDedupStore, SqliteChatwootDedupStore } from "../../src/services/chatwoot/index.js";
import { RedisEmailDedupStore, SqliteEmailDedupStore } from "../../src/services/email/index.js";
import { MemorySendClaims, type SendClaimStore } from "../../src/util/send-claims.js";
import { deleteByPrefix, testRedis, uniquePrefix } from "../support/redis.js";

const redis = testRedis();
const prefix = uniquePrefix("claims");
const dir = mkdtempSync(join(tmpdir(), "send-claims-"));
const sqlite: { close(): void }[] = [];

afterAll(async () => {
  for (const s of sqlite) s.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, (companyId: string) => SendClaimStore][] = [
  ["memory", () => new MemorySendClaims()],
  ["redis (email)", (companyId) => new RedisEmailDedupStore({ redis, companyId, prefix })],
  ["redis (whatsapp)", (companyId) => new RedisChatwootDedupStore({ redis, companyId, prefix })],
  [
    "sqlite (email)",
    (companyId) => {
      const s = new SqliteEmailDedupStore({ companyId, path: join(dir, "email-sent.db") });
      sqlite.push(s);
      return s;
    },
  ],
  [
    "sqlite (whatsapp)",
    (companyId) => {
      const s = new SqliteChatwootDedupStore({ companyId, path: join(dir, "chatwoot-sent.db") });
      sqlite.push(s);
      return s;
    },
  ],
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(stores)("send claim store: %s", (_, make) => {
  it("lets one owner claim a key; the other is told it is busy until the result is stored", async () => {
    const store = make("benova");
    expect(await store.claim("k1", "a", 10_000)).toEqual({ status: "claimed", takeover: false });
    expect(await store.claim("k1", "b", 10_000)).toEqual({ status: "busy", owner: "a" });
    // Only the owner may complete.
    expect(await store.complete("k1", "b", '{"id":2}')).toBe(false);
    expect(await store.complete("k1", "a", '{"id":1}')).toBe(true);
    expect(await store.claim("k1", "b", 10_000)).toEqual({ status: "done", result: '{"id":1}' });
    // A stored result is never replaced nor released.
    expect(await store.complete("k1", "b", '{"id":3}')).toBe(false);
    expect(await store.release("k1", "a")).toBe(false);
    expect(await store.claim("k1", "c", 10_000)).toEqual({ status: "done", result: '{"id":1}' });
  });

  it("the owner renews its claim; a claim whose lease ran out is taken over, and says so", async () => {
    const store = make("benova");
    expect(await store.claim("k2", "a", 400)).toMatchObject({ status: "claimed" });
    await pause(250);
    expect(await store.claim("k2", "a", 400)).toEqual({ status: "claimed", takeover: false });
    await pause(250);
    // Still a's: it renewed 250 ms ago, for 400 ms.
    expect(await store.claim("k2", "b", 400)).toEqual({ status: "busy", owner: "a" });
    await pause(450);
    expect(await store.claim("k2", "b", 10_000)).toEqual({ status: "claimed", takeover: true });
    // The dead owner, should it come back, can no longer complete or release.
    expect(await store.complete("k2", "a", '{"id":1}')).toBe(false);
    expect(await store.release("k2", "a")).toBe(false);
    expect(await store.complete("k2", "b", '{"id":2}')).toBe(true);
  });

  it("a release after a refused send frees the key; after an unknown outcome the next claim reconciles", async () => {
    const store = make("benova");
    await store.claim("k3", "a", 10_000);
    expect(await store.release("k3", "b")).toBe(false);
    expect(await store.release("k3", "a", "unsent")).toBe(true);
    expect(await store.claim("k3", "b", 10_000)).toEqual({ status: "claimed", takeover: false });
    expect(await store.release("k3", "b", "unknown")).toBe(true);
    expect(await store.claim("k3", "c", 10_000)).toEqual({ status: "claimed", takeover: true });
  });

  it("keeps tenants apart", async () => {
    const benova = make("benova");
    const otra = make("otra");
    await benova.claim("k4", "a", 10_000);
    expect(await otra.claim("k4", "b", 10_000)).toEqual({ status: "claimed", takeover: false });
  });
});
