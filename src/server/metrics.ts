import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ServiceObserver, TurnReport, WebhookOutcome } from "./observer.js";
import type { QueueStats, TurnQueue } from "./queue/types.js";

export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag, ...). Default false. */
  defaultMetrics?: boolean;
  /** Prefix of every metric name. Default `agent_ledger_`. */
  prefix?: string;
}

/** Seconds buckets of the turn histograms: a turn takes from a few ms (offline) to a minute (retries). */
const TURN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const LABEL = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The service's Prometheus metrics, in a registry of its own (several servers or tests in one process
 * do not clash). As a `ServiceObserver` it counts webhook deliveries and turns; the queue's depth and
 * the age of its oldest turn are read from `queue.stats()` when scraped.
 */
export class Metrics implements ServiceObserver {
  readonly registry = new Registry();
  private readonly webhooks: Counter<"tenant" | "outcome" | "reason">;
  private readonly turns: Counter<"tenant" | "outcome">;
  private readonly tools: Counter<"tenant" | "tool" | "action" | "status">;
  private readonly compensations: Counter<"tenant">;
  private readonly sagas: Counter<"tenant" | "status">;
  private readonly turnSeconds: Histogram<"tenant" | "outcome">;
  private readonly turnAgeSeconds: Histogram<"tenant" | "outcome">;
  private queue: TurnQueue | null = null;
  private sample: Promise<QueueStats | null> | null = null;

  constructor(options: MetricsOptions = {}) {
    const p = options.prefix ?? "agent_ledger_";
    const registers = [this.registry];
    this.webhooks = new Counter({
      name: `${p}webhooks_total`,
      help: "Chatwoot webhook deliveries by tenant, outcome and reason",
      labelNames: ["tenant", "outcome", "reason"],
      registers,
    });
    this.turns = new Counter({
      name: `${p}turns_total`,
      help: "Customer messages run by the workers, by tenant and outcome",
      labelNames: ["tenant", "outcome"],
      registers,
    });
    this.tools = new Counter({
      name: `${p}tool_executions_total`,
      help: "Tool executions in turns, by tenant, tool, action and status (ok or error)",
      labelNames: ["tenant", "tool", "action", "status"],
      registers,
    });
    this.compensations = new Counter({
      name: `${p}compensations_total`,
      help: "Compensations run in turns, by tenant",
      labelNames: ["tenant"],
      registers,
    });
    this.sagas = new Counter({
      name: `${p}sagas_total`,
      help: "Sagas ended in turns, by tenant and final status",
      labelNames: ["tenant", "status"],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: `${p}turn_duration_seconds`,
      help: "From dequeue to reply posted",
      labelNames: ["tenant", "outcome"],
      buckets: TURN_BUCKETS,
      registers,
    });
    this.turnAgeSeconds = new Histogram({
      name: `${p}turn_age_seconds`,
      help: "From the webhook accepting the message to reply posted",
      labelNames: ["tenant", "outcome"],
      buckets: TURN_BUCKETS,
      registers,
    });
    const self = this;
    new Gauge({
      name: `${p}queue_turns`,
      help: "Turns in the queue by state (waiting, active, delayed)",
      labelNames: ["state"],
      registers,
      async collect() {
        this.reset();
        const stats = await self.queueStats();
        if (!stats) return;
        this.set({ state: "waiting" }, stats.waiting);
        this.set({ state: "active" }, stats.active);
        this.set({ state: "delayed" }, stats.delayed);
      },
    });
    new Gauge({
      name: `${p}queue_oldest_age_seconds`,
      help: "Age of the oldest turn not yet finished (0 when none)",
      registers,
      async collect() {
        this.reset();
        const stats = await self.queueStats();
        if (stats) this.set((stats.oldestAgeMs ?? 0) / 1000);
      },
    });
    new Gauge({
      name: `${p}queue_up`,
      help: "1 when the queue's statistics could be read at this scrape, else 0",
      registers,
      async collect() {
        this.set(self.queue && (await self.queueStats()) ? 1 : 0);
      },
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** The queue whose depth is reported at each scrape. */
  watchQueue(queue: TurnQueue): this {
    this.queue = queue;
    return this;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  webhook(companyId: string | null, outcome: WebhookOutcome, reason?: string): void {
    try {
      this.webhooks.inc({ tenant: label(companyId, "unknown"), outcome, reason: label(reason, "none") });
    } catch {
      // An observer never throws.
    }
  }

  turn(report: TurnReport): void {
    try {
      const tenant = label(report.companyId, "unknown");
      const outcome = report.outcome;
      this.turns.inc({ tenant, outcome });
      this.turnSeconds.observe({ tenant, outcome }, Math.max(0, report.durationMs) / 1000);
      this.turnAgeSeconds.observe({ tenant, outcome }, Math.max(0, report.ageMs) / 1000);
      for (const t of report.toolOutcomes)
        this.tools.inc({
          tenant,
          tool: label(t.tool, "unknown"),
          action: label(t.action, "none"),
          status: t.ok ? "ok" : "error",
        });
      if (report.compensations > 0) this.compensations.inc({ tenant }, report.compensations);
      if (report.sagaStatus) this.sagas.inc({ tenant, status: label(report.sagaStatus, "unknown") });
    } catch {
      // An observer never throws.
    }
  }

  /** One `stats()` call shared by the gauges of a scrape. */
  private queueStats(): Promise<QueueStats | null> {
    const queue = this.queue;
    if (!queue) return Promise.resolve(null);
    if (!this.sample) {
      this.sample = queue.stats().then(
        (s) => s,
        () => null,
      );
      void this.sample.finally(() => {
        this.sample = null;
      });
    }
    return this.sample;
  }
}

/** A label value from a bounded, printable set; anything else becomes `fallback` or `other`. */
function label(value: string | null | undefined, fallback: string): string {
  if (value === null || value === undefined || value === "") return fallback;
  return LABEL.test(value) ? value : "other";
}
