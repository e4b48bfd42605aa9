import { createWriteStream } from "node:fs";
import type { Command } from "commander";
import type { AuditManager } from "../audit/audit-manager.js";
import { AUDIT_STATUSES, type AuditEntry, type AuditQuery } from "../audit/types.js";
import { CliError, csvField, table } from "./format.js";

export interface AuditCommandDeps {
  /** The audit manager of a tenant (the default one when companyId is undefined). */
  audit(companyId?: string): Promise<AuditManager>;
  out(text: string): void;
}

interface FilterOptions {
  company?: string;
  user?: string;
  type?: string;
  status?: string;
  tag?: string;
  conversation?: string;
  saga?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

const LIST_COLUMNS = [
  "auditId",
  "createdAt",
  "status",
  "actionName",
  "userId",
  "agentName",
  "conversationId",
  "durationMs",
];
const CSV_COLUMNS: (keyof AuditEntry)[] = [
  "auditId",
  "companyId",
  "createdAt",
  "updatedAt",
  "status",
  "actionType",
  "actionName",
  "userId",
  "agentName",
  "conversationId",
  "sagaId",
  "idempotencyKey",
  "linkedAuditId",
  "tags",
  "compensable",
  "compensationAction",
  "compensationParams",
  "inputParams",
  "result",
  "errorMessage",
  "durationMs",
  "compensationReason",
  "compensatedAt",
];

function addFilters(cmd: Command): Command {
  return cmd
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--user <id>", "only this user's actions")
    .option("--type <actionType>", "booking, notification, ticket, rag_search, api_call, ...")
    .option("--status <status>", AUDIT_STATUSES.join(", "))
    .option("--tag <tag>", "only entries with this tag")
    .option("--conversation <id>", "only this conversation")
    .option("--saga <id>", "only this saga's steps")
    .option("--from <date>", "created at or after (ISO 8601)")
    .option("--to <date>", "created before (ISO 8601)");
}

function toQuery(o: FilterOptions): AuditQuery {
  let limit: number | undefined;
  if (o.limit !== undefined) {
    limit = Number(o.limit);
    if (!Number.isInteger(limit))
      throw new CliError(`--limit: expected a whole number from 1 to 1000 (got "${o.limit}")`);
  }
  const q: AuditQuery = {
    userId: o.user,
    actionType: o.type,
    status: o.status as AuditQuery["status"],
    tag: o.tag,
    conversationId: o.conversation,
    sagaId: o.saga,
    from: o.from,
    to: o.to,
    cursor: o.cursor,
  };
  if (limit !== undefined) q.limit = limit;
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as AuditQuery;
}

/** Adds `audit list|show|verify|export` to the program. */
export function registerAuditCommands(program: Command, deps: AuditCommandDeps): void {
  const audit = program.command("audit").description("query, verify and export the audit trail");

  addFilters(audit.command("list").description("entries, newest first"))
    .option("--limit <n>", "page size (1-1000)", "20")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--json", "machine-readable output")
    .action(async (o: FilterOptions) => {
      const page = await (await deps.audit(o.company)).query(toQuery(o));
      if (o.json) return deps.out(JSON.stringify(page, null, 2));
      deps.out(table(page.entries as unknown as Record<string, unknown>[], LIST_COLUMNS));
      if (page.nextCursor) deps.out(`\nmore: --cursor ${page.nextCursor}`);
    });

  audit
    .command("show <auditId>")
    .description("one entry with every field")
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--json", "machine-readable output")
    .action(async (auditId: string, o: { company?: string; json?: boolean }) => {
      const entry = await (await deps.audit(o.company)).getEntry(auditId);
      if (!entry) throw new CliError(`audit entry ${auditId} not found`);
      if (o.json) return deps.out(JSON.stringify(entry, null, 2));
      const width = Math.max(...Object.keys(entry).map((k) => k.length));
      deps.out(
        Object.entries(entry)
          .map(
            ([k, v]) =>
              `${k.padEnd(width)}  ${v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)}`,
          )
          .join("\n"),
      );
    });

  audit
    .command("verify")
    .description("check signatures, chain and seals; name anything changed, deleted, inserted or reordered")
    .option("--company <id>", "tenant (default: COMPANY_ID)")
    .option("--json", "machine-readable output")
    .action(async (o: { company?: string; json?: boolean }) => {
      const report = await (await deps.audit(o.company)).verify();
      if (o.json) deps.out(JSON.stringify(report, null, 2));
      else {
        deps.out(
          `${report.ok ? "OK" : "TAMPERED"}: ${report.entriesChecked} entries, ${report.recordsChecked} records, ${report.sealsChecked} seals checked` +
            `${report.signed ? "" : " (no AUDIT_SIGNING_KEY: only accidental damage is detectable)"}` +
            `${report.unsealedRecords ? `; ${report.unsealedRecords} records not yet sealed` : ""}`,
        );
        if (report.findings.length)
          deps.out(
            table(report.findings as unknown as Record<string, unknown>[], [
              "kind",
              "auditId",
              "seq",
              "detail",
            ]),
          );
      }
      if (!report.ok) process.exitCode = 1;
    });

  addFilters(audit.command("export").description("every matching entry as JSON Lines or CSV"))
    .option("--format <format>", "jsonl or csv", "jsonl")
    .option("--out <file>", "write to a file instead of standard output")
    .action(async (o: FilterOptions & { format: string; out?: string }) => {
      if (o.format !== "jsonl" && o.format !== "csv")
        throw new CliError(`--format: expected jsonl or csv (got "${o.format}")`);
      const manager = await deps.audit(o.company);
      const stream = o.out ? createWriteStream(o.out) : null;
      const write = (line: string) => (stream ? stream.write(`${line}\n`) : deps.out(line));
      if (o.format === "csv") write(CSV_COLUMNS.join(","));
      let cursor: string | undefined;
      let count = 0;
      do {
        const page = await manager.query({ ...toQuery(o), limit: 500, ...(cursor ? { cursor } : {}) });
        for (const e of page.entries)
          write(o.format === "csv" ? CSV_COLUMNS.map((c) => csvField(e[c])).join(",") : JSON.stringify(e));
        count += page.entries.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (stream) {
        await new Promise<void>((resolve, reject) =>
          stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
        process.stderr.write(`exported ${count} entries to ${o.out}\n`);
      }
    });
}
