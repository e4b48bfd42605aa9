import type { App } from "../../app.js";
import type { Logger } from "../../util/logger.js";
import { NO_OBSERVER, type ServiceObserver } from "../observer.js";
import type { TurnHandler, TurnQueue, TurnWorker } from "../queue/types.js";
import { createTurnHandler } from "./turn-handler.js";

/** A queue this process consumes: either implementation of the contract. */
export type ConsumableQueue = TurnQueue & TurnWorker & { consume(handler: TurnHandler): unknown };

export interface StartWorkerOptions {
  observer?: ServiceObserver;
  /** How often sagas of dead processes are looked for after start-up (ms); 0 turns it off. Default 60 s. */
  recoveryIntervalMs?: number;
  /** The Chatwoot label of a conversation handed to a person. */
  handoffLabel?: string;
}

export interface RunningWorker {
  readonly queue: ConsumableQueue;
  /** Takes no new turns; turns being run finish (up to `timeoutMs`, default 30 s) or go back to the queue. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Finishes what dead processes left, for every configured tenant: sagas whose lease expired are
 * reconciled and completed or compensated, and pending tool calls outside sagas are closed
 * (`recoverSagas`, safe to run in several processes at once). Failures are logged, never thrown.
 */
export async function recoverTenants(app: App, logger: Logger = app.logger): Promise<void> {
  for (const companyId of app.config.tenants.keys()) {
    try {
      const report = await (await app.tenant(companyId)).sagas.recoverSagas();
      const closed = report.orphans.closed.length;
      if (report.examined > 0 || closed > 0) {
        logger.info("worker: recovered what a stopped process left", {
          companyId,
          sagas: report.recovered.length,
          examined: report.examined,
          skipped: report.skipped.length,
          toolCalls: closed,
        });
      }
    } catch (err) {
      logger.error("worker: saga recovery failed", { companyId, error: (err as Error).message });
    }
  }
}

/**
 * Starts consuming turns in this process: saga recovery first (and then every
 * `recoveryIntervalMs`), then the queue's worker with the turn handler.
 *
 * A graph run cut short by a crash is resumed by its own message: on the Redis queue the message is
 * still at the head of its conversation's inbox, its job comes back once the dead worker's lock
 * expires, and `converse` finishes the checkpointed run instead of starting it again. (On the
 * in-process queue the message is lost with the process; the conversation's next message finishes
 * the cut-short run before its own.) No scan of the checkpoints is made at start-up.
 */
export async function startWorker(
  app: App,
  queue: ConsumableQueue,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const logger = app.logger.child({ component: "worker" });
  await recoverTenants(app, logger);
  queue.consume(
    createTurnHandler(app, {
      observer: options.observer ?? NO_OBSERVER,
      logger,
      ...(options.handoffLabel ? { handoffLabel: options.handoffLabel } : {}),
    }),
  );
  await queue.start();
  const every = options.recoveryIntervalMs ?? 60_000;
  let recovering: Promise<void> | null = null;
  const timer =
    every > 0
      ? setInterval(() => {
          recovering ??= recoverTenants(app, logger).finally(() => {
            recovering = null;
          });
        }, every)
      : null;
  timer?.unref();
  logger.info("worker: consuming turns", { tenants: [...app.config.tenants.keys()] });
  let stopped: Promise<void> | null = null;
  return {
    queue,
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        if (timer) clearInterval(timer);
        await queue.stop(stopOptions);
        await recovering;
        logger.info("worker: stopped");
      })();
      return stopped;
    },
  };
}
