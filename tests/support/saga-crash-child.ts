/**
 * A worker process for the saga crash tests: it recovers what an earlier worker left behind (as the
 * real worker does at start-up), then runs booking sagas (calendar booking -> confirmation email ->
 * support ticket, all through the ToolExecutor against the stand-ins of the parent process) in
 * several concurrent loops until it is SIGKILLed: by its own kill switch at a seeded event number,
 * or by the parent. Started with `fork(..., { execArgv: ["--import", "tsx"] })`; its settings come
 * as JSON in the CRASH_CHILD environment variable (see CrashChildConfig).
 */
import { Redis } from "ioredis";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { RedisAuditStore } from "../../src/audit/redis/redis-audit-store.js";
import { isSagaError } from "../../src/saga/errors.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { RedisSagaStore } from "../../src/saga/redis/redis-saga-store.js";
import {
  bookingSteps,
  buildServices,
  type CrashChildConfig,
  type CrashChildMessage,
  crashRetry,
} from "./saga-crash-setup.js";
import { AUDIT_STORE_WRITES, KillSwitch, SAGA_STORE_WRITES, withKillPoints } from "./saga-kill-switch.js";

/** Waits for the parent's go-ahead, so a worker can be started (modules loaded) before the last one dies. */
function goAhead(): Promise<void> {
  return new Promise((resolve) => {
    process.on("message", (m: { type?: string }) => {
      if (m?.type === "go") resolve();
    });
    process.send?.({ type: "loaded" } satisfies CrashChildMessage);
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CRASH_CHILD ?? "null") as CrashChildConfig | null;
  if (!config) throw new Error("CRASH_CHILD is not set: this file is started by the saga crash tests");
  await goAhead();
  const ks = new KillSwitch(config.killAt);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const auditStore = withKillPoints(
    new RedisAuditStore({ redis, prefix: config.prefix }),
    AUDIT_STORE_WRITES,
    ks,
  );
  const audit = new AuditManager({ companyId: config.companyId, store: auditStore, sealIntervalMs: 0 });
  const store = withKillPoints(new RedisSagaStore({ redis, prefix: config.prefix }), SAGA_STORE_WRITES, ks);
  const { executor } = buildServices(config, audit, redis, ks);
  const sagas = new CompensationOrchestrator({
    companyId: config.companyId,
    auditManager: audit,
    store,
    toolExecutor: executor,
    leaseMs: config.leaseMs,
    retry: crashRetry,
    owner: `child-${config.round}`,
  });
  const send = (m: CrashChildMessage) => process.send?.(m);
  send({ type: "ready" });
  // Like the real worker: recover at start-up, then keep sweeping for sagas whose lease expired.
  const sweep = async () => {
    for (;;) {
      const report = await sagas.recoverSagas();
      send({ type: "recovered", count: report.recovered.length });
      await new Promise((r) => setTimeout(r, config.leaseMs / 2));
    }
  };

  const loop = async () => {
    for (;;) {
      const n = await redis.incr(`${config.prefix}:crash:n`);
      const { sagaId } = await sagas.createSaga({
        userId: `patient-${n}`,
        sagaName: "complete_booking_flow",
        conversationId: String(n),
      });
      for (const step of bookingSteps(n, config)) sagas.addToolStep(sagaId, step);
      try {
        const result = await sagas.executeSaga(sagaId);
        send({ type: "saga", sagaId, status: result.status });
      } catch (err) {
        // Like the real worker: a call that outlived its deadline pauses its saga; recovery finishes it.
        if (!isSagaError(err, "OUTCOME_UNKNOWN")) throw err;
        send({ type: "saga", sagaId, status: "paused" });
      }
    }
  };
  await Promise.all([sweep(), ...Array.from({ length: config.concurrency }, loop)]);
}

main().catch((err: unknown) => {
  // Any other way to die is a bug the parent reports (it expects SIGKILL only).
  process.stderr.write(
    `crash child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(3);
});
