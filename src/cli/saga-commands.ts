import type { Command } from "commander";
import type { CompensationOrchestrator } from "../saga/orchestrator.js";
import type { OrphanReport } from "../saga/orphan-recovery.js";
import { formatSagaTimeline } from "../saga/timeline.js";
import { SAGA_STATUSES, type SagaStatus, type SagaView } from "../saga/types.js";
import { CliError, table } from "./format.js";

/** What the saga commands need: a tenant's orchestrator and somewhere to print. */
export interface SagaCommandDeps {
  /** The orchestrator of a tenant (the default tenant when companyId is undefined). */
  orchestrator(
    companyId?: string,
  ): Promise<Pick<CompensationOrchestrator, "listSagas" | "getSaga" | "recoverSagas">>;
  out(text: string): void;
}

const LIST_COLUMNS = [
  "sagaId",
  "createdAt",
  "status",
  "sagaName",
  "userId",
  "steps",
  "failedAction",
  "owner",
];

function listRow(s: SagaView): Record<string, unknown> {
  const done = s.steps.filter((x) => x.status !== "planned").length;
  return { ...s, steps: `${done}/${s.steps.length}` };
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new CliError(`--limit: expected a whole number from 1 to 1000 (got "${value}")`);
  }
  return n;
}

function parseStatus(value: string | undefined): SagaStatus | undefined {
  if (value === undefined) return undefined;
  if (!SAGA_STATUSES.includes(value as SagaStatus)) {
    throw new CliError(`--status: expected one of ${SAGA_STATUSES.join(", ")} (got "${value}")`);
  }
  return value as SagaStatus;
}

function printOrphans(deps: SagaCommandDeps, orphans: OrphanReport): void {
  if (orphans.closed.length === 0) return;
  deps.out(`${orphans.closed.length} pending tool calls whose process stopped were closed`);
  deps.out(table(orphans.closed, ["auditId", "actionName", "to", "reason"]));
  if (orphans.closed.some((c) => c.to === "needs_attention")) {
    deps.out("check those by hand: `audit list --status needs_attention`\n");
  }
}

/**
 * Adds `saga list|show|recover` to the program.
 *
 * @example
 * registerSagaCommands(program, { orchestrator: async (c) => (await app.tenant(c)).sagas, out: console.log });
 */
export function registerSagaCommands(program: Command, deps: SagaCommandDeps): void {
  const saga = program.command("saga").description("inspect sagas and finish those whose process stopped");

  saga
    .command("list")
    .description("sagas, newest first")
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--status <status>", SAGA_STATUSES.join(", "))
    .option("--limit <n>", "page size (1-1000)", "20")
    .option("--before <sagaId>", "continue after a previous page (its last saga id)")
    .option("--json", "machine-readable output")
    .action(
      async (o: { company?: string; status?: string; limit: string; before?: string; json?: boolean }) => {
        const status = parseStatus(o.status);
        const limit = parseLimit(o.limit);
        const sagas = await (await deps.orchestrator(o.company)).listSagas({
          limit,
          ...(status && { status }),
          ...(o.before && { before: o.before }),
        });
        if (o.json) return deps.out(JSON.stringify(sagas, null, 2));
        deps.out(table(sagas.map(listRow), LIST_COLUMNS));
        const last = sagas.at(-1);
        if (last && sagas.length === limit) deps.out(`\nmore: --before ${last.sagaId}`);
      },
    );

  saga
    .command("show <sagaId>")
    .description("one saga as a timeline: each step, its attempts, audit entries and undo")
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--json", "machine-readable output")
    .action(async (sagaId: string, o: { company?: string; json?: boolean }) => {
      const found = await (await deps.orchestrator(o.company)).getSaga(sagaId);
      if (!found) throw new CliError(`saga ${sagaId} not found`);
      deps.out(o.json ? JSON.stringify(found, null, 2) : formatSagaTimeline(found));
    });

  saga
    .command("recover")
    .description(
      "finish sagas whose process stopped (lease expired): reconcile, then compensate newest first; then close pending tool calls outside sagas whose process stopped",
    )
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--limit <n>", "at most this many sagas (1-1000)", "1000")
    .option("--json", "machine-readable output")
    .action(async (o: { company?: string; limit: string; json?: boolean }) => {
      const report = await (await deps.orchestrator(o.company)).recoverSagas({ limit: parseLimit(o.limit) });
      const failed = report.recovered.filter((r) => r.to === "compensation_failed");
      const attention = report.orphans.closed.filter((c) => c.to === "needs_attention");
      if (report.skipped.length > 0 || failed.length > 0 || attention.length > 0) process.exitCode = 1;
      if (o.json) return deps.out(JSON.stringify(report, null, 2));
      printOrphans(deps, report.orphans);
      if (report.examined === 0) return deps.out("nothing to recover: no saga has an expired lease");
      deps.out(`${report.recovered.length} of ${report.examined} sagas recovered`);
      if (report.recovered.length > 0)
        deps.out(table(report.recovered, ["sagaId", "sagaName", "from", "to"]));
      if (failed.length > 0) {
        deps.out(
          `\n${failed.length} ended compensation_failed: see \`saga show <sagaId>\` for what must be undone by hand`,
        );
      }
      if (report.skipped.length > 0) {
        deps.out("\nnot recovered (tried again when their lease expires):");
        deps.out(table(report.skipped, ["sagaId", "reason"]));
      }
    });
}
