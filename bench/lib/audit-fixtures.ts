import type { AuditManager } from "../../src/audit/index.js";

/** The signing key every benchmark manager uses (tamper evidence on, as in production). */
export const BENCH_SIGNING_KEY = "bench-signing-key-not-secret";

/** One audited no-op action: `logAction` then `markSuccess`, two transitions. */
export async function auditedPair(manager: AuditManager, i: number): Promise<void> {
  const entry = await manager.logAction({
    userId: `u${String(i % 1000).padStart(4, "0")}`,
    actionType: "api_call",
    actionName: "bench.noop",
    inputParams: { n: i },
    agentName: "bench",
    conversationId: `c${i % 100}`,
  });
  await manager.markSuccess(entry.auditId, { ok: true, n: i }, 0);
}

/** A script as trivial as a transition can be: one HSET. */
export const TRIVIAL_SCRIPT = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1";
