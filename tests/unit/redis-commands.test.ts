import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import { RedisInboxes } from "../../src/server/queue/redis-inbox.js";
import { TurnQueueKeys } from "../../src/server/queue/redis-scripts.js";
import { RedisChatwootDedupStore } from "../../src/services/chatwoot/dedup-stores.js";
import { RedisEmailDedupStore } from "../../src/services/email/dedup-store.js";

/**
 * Each Lua command name with the SHA-1 of the script it runs. Two deployed versions of the code may
 * share a connection (or a process may load two copies of the package); ioredis keeps one script
 * per name, so a name must never mean two scripts. When a script changes, give it a new name
 * (`...V1` -> `...V2`) and pin the new digest here.
 */
const PINNED: Record<string, string> = {
  alAuditCreateV1: "368549bafe036935bedcad5abd0c61c0f5146918",
  alAuditTransitionV1: "e6266de7b6ba6688ee3f9ea54cd38135a7af1998",
  alAuditQueryV1: "01a362b19468ba76e66b7bba8f45416485f56c36",
  alAuditSealV1: "05933fe467c8e02779dff76382dab5841f0c4990",
  alAuditEntriesV1: "d41b944d84bc79deaddf25ced91a7970a4698750",
  alAuditStatusesV1: "55932fc2ffaa202c1575bd1162e7c49de4e112e6",
  alAuditLeaseV1: "9029317b6333b7fe51a9d4108363dc54af4aae19",
  alSagaCreateV1: "b8b12eed9a2269e09c168b065510ea2c3548ada6",
  alSagaClaimV1: "06fb497d60d5f5d092433a9b7d540d1d7cf543b6",
  alSagaRenewV1: "de56b56cf63db533195364355de8dd9f23d3c7a1",
  alSagaSaveV1: "94eaf4566e8790f028c2a01e95d06c20dafb8e54",
  alSagaExpiredV1: "8e59ee977fcfc3d02e80b1c6819f4d2851972b4b",
  alSendClaimV1: "c7f0d53444f76f92ed3877e8ce9313f29f2b77a8",
  alSendCompleteV1: "5dd29b666f19f29a4127bcc1503a279dca5de2ce",
  alSendReleaseV1: "a2072b6b0e5d20bdaaa5ca2c55700320124b4c2c",
  alTurnEnqueueV1: "f7d973c30e8bc74f4f7682f1ee6672be1507531c",
  alTurnPositionV1: "dbaeae351ff54600ddc55e570bc11c4c45df0754",
  alTurnPopV1: "e7f6da0d720bca174b7648e967b3a264eca29ce3",
};

/** The commands every Redis store defines on a connection (none is sent: the client never connects). */
function definedCommands(): Map<string, string> {
  const redis = new Redis({ lazyConnect: true });
  new RedisAuditStore({ redis });
  new RedisSagaStore({ redis });
  new RedisEmailDedupStore({ redis, companyId: "benova" });
  new RedisChatwootDedupStore({ redis, companyId: "benova" });
  new RedisInboxes(redis, new TurnQueueKeys(), 60);
  const scripts = redis.scriptsSet as Record<string, { sha: string }>;
  return new Map(Object.entries(scripts).map(([name, script]) => [name, script.sha]));
}

describe("the stores' Lua command names", () => {
  it("carry the project's mark and a version", () => {
    const names = [...definedCommands().keys()];
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(names.filter((n) => !/^al[A-Z][A-Za-z]+V\d+$/.test(n))).toEqual([]);
  });

  it("each name still runs the script it was pinned to (a changed script needs a new version)", () => {
    const defined = definedCommands();
    const changed = [...defined]
      .filter(([name, sha]) => PINNED[name] !== sha)
      .map(([name, sha]) =>
        PINNED[name]
          ? `${name}: its script changed (now ${sha}); rename it to the next version and pin that`
          : `${name}: not pinned (${sha}); add it to PINNED`,
      );
    expect(changed).toEqual([]);
    expect([...defined.keys()].sort()).toEqual(Object.keys(PINNED).sort());
  });
});
