import type { DurableCompensation, SagaStep, SagaView } from "./types.js";

const MARK: Record<SagaStep["status"], string> = {
  planned: "·",
  pending: "…",
  succeeded: "✓",
  failed: "✗",
  compensating: "↺",
  compensated: "↩",
  compensation_failed: "‼",
  skipped: "-",
  needs_attention: "!",
};

function undoText(c: DurableCompensation | null): string | null {
  if (!c) return null;
  if (c.kind === "handler") return `handler ${c.name} ${JSON.stringify(c.parameters)}`;
  const params = c.parameters ? ` ${JSON.stringify(c.parameters)}` : "";
  return c.kind === "tool_audit"
    ? `${c.toolName ?? "tool compensation"}${params} (of audit entry ${c.auditId})`
    : `${c.toolName}${params}`;
}

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A saga as a readable timeline: one line per step with its state, attempts and audit ids, its undo,
 * and what went wrong. What `agent-ledger saga show` prints.
 */
export function formatSagaTimeline(saga: SagaView): string {
  const lines: string[] = [];
  lines.push(`saga ${saga.sagaId}  ${saga.sagaName}  [${saga.status}]`);
  lines.push(
    `  company ${saga.companyId} · user ${saga.userId}` +
      `${saga.conversationId ? ` · conversation ${saga.conversationId}` : ""}`,
  );
  lines.push(`  created ${saga.createdAt}${saga.finishedAt ? ` · finished ${saga.finishedAt}` : ""}`);
  if (saga.owner) {
    const until = saga.leaseUntil ? new Date(saga.leaseUntil).toISOString() : "?";
    lines.push(`  held by ${saga.owner} until ${until}`);
  }
  if (saga.recoveredBy) lines.push(`  recovered by ${saga.recoveredBy}`);
  if (saga.failedAction) lines.push(`  failed at: ${saga.failedAction}: ${clip(saga.error ?? "")}`);
  else if (saga.error) lines.push(`  error: ${clip(saga.error)}`);
  if (saga.steps.length === 0) lines.push("  (no steps)");
  for (const step of saga.steps) {
    const head = `  ${MARK[step.status]} #${step.index} ${step.actionName} (${step.actionType})  ${step.status}`;
    const facts = [
      step.attempts > 0 ? `attempts ${step.attempts}` : null,
      step.auditId ? `audit ${step.auditId}` : null,
      step.finishedAt ? `at ${step.finishedAt}` : null,
    ].filter(Boolean);
    lines.push(facts.length > 0 ? `${head}  [${facts.join(", ")}]` : head);
    if (step.error) lines.push(`      error: ${clip(step.error)}`);
    const undo = undoText(step.compensation);
    if (undo) lines.push(`      undo: ${clip(undo)}`);
    else if (step.hasCompensator && step.status !== "planned")
      lines.push("      undo: in-process compensator");
    if (step.status === "compensated") {
      lines.push(
        `      undone at ${step.compensatedAt}` +
          `${step.compensationAuditId ? ` (audit ${step.compensationAuditId})` : ""}` +
          `${step.compensationAttempts > 1 ? ` after ${step.compensationAttempts} attempts` : ""}`,
      );
    }
    if (step.compensationError) {
      lines.push(
        `      undo failed after ${step.compensationAttempts} attempts: ${clip(step.compensationError)}`,
      );
    }
    if (step.attention) lines.push(`      NEEDS ATTENTION: ${clip(step.attention, 400)}`);
  }
  return lines.join("\n");
}
