/**
 * Child process of the saga benchmark: starts `count` three-step sagas, lets each one reach its second
 * step (written `pending`, audited, running), prints `ready <count>` and then hangs there until the
 * parent kills it with SIGKILL. What it leaves behind is what a crashed worker leaves.
 *
 * argv: redisUrl companyId prefix count leaseMs
 */
import { Redis } from "ioredis";
import { AuditManager, RedisAuditStore } from "../../src/audit/index.js";
import { CompensationOrchestrator, RedisSagaStore } from "../../src/saga/index.js";
import { BENCH_SIGNING_KEY } from "./audit-fixtures.js";
import { runConcurrent } from "./measure.js";
import { addNoopSteps, UNDO } from "./saga-fixtures.js";

const [url, companyId, prefix, countArg, leaseArg] = process.argv.slice(2);
if (!url || !companyId || !prefix || !countArg || !leaseArg) {
  console.error("usage: saga-abandon <redisUrl> <companyId> <prefix> <count> <leaseMs>");
  process.exit(2);
}
const count = Number(countArg);
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
const audit = new AuditManager({
  companyId,
  store: new RedisAuditStore({ redis, prefix }),
  signingKey: BENCH_SIGNING_KEY,
});
const sagas = new CompensationOrchestrator({
  companyId,
  auditManager: audit,
  store: new RedisSagaStore({ redis, prefix }),
  leaseMs: Number(leaseArg),
  retry: { maxRetries: 0 },
});
sagas.registerCompensation(UNDO, () => ({ undone: true }));

await runConcurrent(count, 64, async (i) => {
  const { sagaId } = await sagas.createSaga({
    userId: `u${i % 1000}`,
    sagaName: "bench_abandoned",
    conversationId: `c${i}`,
  });
  let reached: () => void = () => {};
  const inSecondStep = new Promise<void>((resolve) => {
    reached = resolve;
  });
  addNoopSteps(sagas, sagaId, (step) => {
    if (step !== 1) return { ok: true };
    reached();
    return new Promise(() => {}); // the process dies here
  });
  void sagas.executeSaga(sagaId);
  await inSecondStep;
});
process.stdout.write(`ready ${count}\n`);
setInterval(() => {}, 60_000);
