import { performance } from "node:perf_hooks";
import { SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { AuditManager } from "../audit/audit-manager.js";
import type { AuditEntry } from "../audit/types.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { DEFAULT_RETRY, isTransientError, type RetryPolicy, retry, withTimeout } from "../util/retry.js";
import { currentSagaScope, sagaStepTag } from "../util/saga-scope.js";
import { compensateEntry, planOf } from "./compensation.js";
import { errorCodeOf, messageOf, ToolError } from "./errors.js";
import { BUILTIN_TOOLS, SERVICE_SETTER } from "./registry.js";
import { describeIssues } from "./schemas.js";
import { toolInfo } from "./tool-info.js";
import type {
  CompensationPlan,
  ExecuteToolInput,
  TenantInfo,
  ToolContext,
  ToolDefinition,
  ToolInfo,
  ToolResult,
  ToolServices,
} from "./types.js";

export interface ToolExecutorOptions {
  companyId: string;
  auditManager: AuditManager;
  /** Retries of transient failures (network, 429, 5xx) per execution. */
  retry?: Partial<RetryPolicy>;
  /** Deadline of one attempt in ms (default 15 s). */
  timeoutMs?: number;
  /** Extra tools, or replacements of built-in ones by name. */
  tools?: ToolDefinition[];
  /** Used in customer-facing follow-ups such as the cancellation email (clinic name and phone, locale). */
  tenant?: { clinicName?: string; clinicPhone?: string; locale?: string };
  logger?: Logger;
  tracer?: Tracer;
}

interface InternalOptions {
  linkedAuditId?: string;
}

/**
 * Runs every tool call through the audit trail: validate, write `pending`, run with timeout and
 * retries, then mark `success` (with the undo parameters) or `failed`. Tool failures are returned,
 * never thrown.
 *
 * @example
 * const executor = new ToolExecutor({ companyId: "benova", auditManager });
 * executor.setCalendarService(new LocalCalendarService({ path: ":memory:", timeZone: "Europe/Madrid" }));
 * const res = await executor.executeTool({ toolName: "google_calendar", parameters: { action: "check_availability", date: "2030-01-07" }, userId: "34600111222", agentName: "schedule", conversationId: "42" });
 */
export class ToolExecutor {
  readonly companyId: string;
  readonly auditManager: AuditManager;
  private readonly tools = new Map<string, ToolDefinition>();
  private readonly services: ToolServices = {};
  private readonly retryPolicy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly tenant: TenantInfo;
  private readonly logger: Logger;
  private readonly tracer: Tracer;

  constructor(options: ToolExecutorOptions) {
    this.companyId = options.companyId;
    this.auditManager = options.auditManager;
    if (options.auditManager.companyId !== options.companyId) {
      throw new ToolError(
        "INVALID_PARAMETERS",
        `auditManager belongs to "${options.auditManager.companyId}", not to "${options.companyId}"`,
      );
    }
    this.retryPolicy = { ...DEFAULT_RETRY, maxRetries: 2, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 15_000;
    // Unset clinic details are left to the email service, which knows the tenant's own.
    this.tenant = { locale: options.tenant?.locale ?? "es" };
    if (options.tenant?.clinicName) this.tenant.clinicName = options.tenant.clinicName;
    if (options.tenant?.clinicPhone) this.tenant.clinicPhone = options.tenant.clinicPhone;
    this.logger = options.logger ?? silentLogger;
    this.tracer = options.tracer ?? trace.getTracer("agent-ledger");
    for (const tool of [...BUILTIN_TOOLS, ...(options.tools ?? [])]) this.tools.set(tool.name, tool);
  }

  setVectorstoreService(s: NonNullable<ToolServices["vectorstore"]>): this {
    this.services.vectorstore = s;
    return this;
  }
  setCalendarService(s: NonNullable<ToolServices["calendar"]>): this {
    this.services.calendar = s;
    return this;
  }
  setEmailService(s: NonNullable<ToolServices["email"]>): this {
    this.services.email = s;
    return this;
  }
  setChatwootService(s: NonNullable<ToolServices["chatwoot"]>): this {
    this.services.chatwoot = s;
    return this;
  }
  setMultimediaService(s: NonNullable<ToolServices["multimedia"]>): this {
    this.services.multimedia = s;
    return this;
  }
  setTicketService(s: NonNullable<ToolServices["tickets"]>): this {
    this.services.tickets = s;
    return this;
  }

  /** Adds (or replaces) a tool. */
  registerTool(tool: ToolDefinition): this {
    this.tools.set(tool.name, tool);
    return this;
  }

  getAvailableTools(): ToolInfo[] {
    return [...this.tools.values()].map((t) => toolInfo(t, this.services));
  }

  getToolInfo(name: string): ToolInfo | null {
    const tool = this.tools.get(name);
    return tool ? toolInfo(tool, this.services) : null;
  }

  /** Executes one tool call, audited. Never throws for a tool failure. */
  async executeTool(input: ExecuteToolInput, internal: InternalOptions = {}): Promise<ToolResult> {
    const toolName = input?.toolName;
    const span = this.tracer.startSpan(`execute_tool ${toolName}`, {
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": String(toolName),
        "agent_ledger.company_id": this.companyId,
      },
    });
    try {
      const result = await this.execute(input, internal);
      if (result.auditId) span.setAttribute("gen_ai.tool.call.id", result.auditId);
      if (!result.success) {
        span.setAttribute("error.type", result.errorCode ?? "TOOL_FAILED");
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorCode ?? "TOOL_FAILED" });
      }
      return result;
    } finally {
      span.end();
    }
  }

  private async execute(input: ExecuteToolInput, internal: InternalOptions): Promise<ToolResult> {
    const toolName = String(input?.toolName ?? "");
    const fail = (
      errorCode: string,
      error: string,
      auditId: string | null = null,
      attempts = 0,
    ): ToolResult => ({
      success: false,
      tool: toolName,
      data: null,
      error,
      auditId,
      errorCode,
      attempts,
    });
    const tool = this.tools.get(toolName);
    if (!tool)
      return fail(
        "UNKNOWN_TOOL",
        `unknown tool "${toolName}"; known tools: ${[...this.tools.keys()].join(", ")}`,
      );
    const parsed = tool.schema.safeParse(input.parameters ?? {});
    if (!parsed.success)
      return fail(
        "INVALID_PARAMETERS",
        `invalid parameters for ${toolName}: ${describeIssues(parsed.error)}`,
      );
    const params = parsed.data;
    if (!this.services[tool.service]) {
      return fail(
        "SERVICE_NOT_CONFIGURED",
        `${toolName} needs the ${tool.service} service: call executor.${SERVICE_SETTER[tool.service]}(...) first`,
      );
    }

    const key = input.idempotencyKey || null;
    if (key) {
      const previous = await this.auditManager.findByIdempotencyKey(key).catch(() => null);
      if (previous && previous.status === "success" && sameTool(previous, toolName)) {
        return {
          success: true,
          tool: toolName,
          data: previous.result,
          error: null,
          auditId: previous.auditId,
          attempts: 0,
          replayed: true,
        };
      }
      if (previous && previous.status === "compensated" && sameTool(previous, toolName)) {
        return fail(
          "ALREADY_COMPENSATED",
          `this step (key ${key}) already ran and was undone; use a new idempotency key to run it again`,
          previous.auditId,
        );
      }
    }

    const compensation = tool.compensation?.(params) ?? null;
    // Inside a saga step's own code: link this call to the saga and the step.
    const scope = currentSagaScope();
    const inScope = scope !== undefined && scope.companyId === this.companyId && !internal.linkedAuditId;
    const sagaId = input.sagaId ?? (inScope ? scope.sagaId : null);
    const linkedAuditId = internal.linkedAuditId ?? (inScope ? scope.stepAuditId : null);
    const tags = inScope ? [...(input.tags ?? []), sagaStepTag(scope)] : (input.tags ?? []);
    let entry: AuditEntry;
    try {
      entry = await this.auditManager.logAction({
        userId: input.userId ?? null,
        actionType: tool.actionType,
        actionName: tool.actionName?.(params) ?? tool.name,
        inputParams: params,
        compensable: compensation !== null,
        compensationAction: compensation?.toolName ?? null,
        agentName: input.agentName ?? null,
        conversationId: input.conversationId ?? null,
        sagaId,
        idempotencyKey: key,
        linkedAuditId,
        tags,
      });
    } catch (err) {
      // Fail closed: no audit record, no side effect.
      this.logger.error("audit write failed; tool not run", { toolName, err: messageOf(err) });
      return fail("AUDIT_UNAVAILABLE", `not run: the audit trail could not be written (${messageOf(err)})`);
    }

    const services = this.services as Required<ToolServices>;
    const started = performance.now();
    let attempts = 0;
    try {
      const { value } = await retry(
        this.retryPolicy,
        (attempt) => {
          attempts = attempt;
          return withTimeout(this.timeoutMs, (signal) =>
            tool.run(params, services, {
              companyId: this.companyId,
              idempotencyKey: key ?? `${this.companyId}:${entry.auditId}`,
              signal,
              attempt,
              context: input,
            }),
          );
        },
        isTransientError,
        (err, attempt, delayMs) =>
          this.logger.warn("tool attempt failed; retrying", {
            toolName,
            attempt,
            delayMs,
            err: messageOf(err),
          }),
      );
      const durationMs = performance.now() - started;
      const compensationParams = compensation ? compensation.parameters(value) : undefined;
      await this.auditManager
        .markSuccess(entry.auditId, value, durationMs, compensationParams ? { compensationParams } : {})
        .catch((err) =>
          this.logger.error(
            "tool succeeded but its audit entry could not be completed; recovery will reconcile it",
            { toolName, auditId: entry.auditId, err: messageOf(err) },
          ),
        );
      return { success: true, tool: toolName, data: value, error: null, auditId: entry.auditId, attempts };
    } catch (err) {
      const durationMs = performance.now() - started;
      const message = messageOf(err);
      await this.auditManager.markFailed(entry.auditId, message, durationMs).catch((e) =>
        this.logger.error("could not mark a failed tool call", {
          toolName,
          auditId: entry.auditId,
          err: messageOf(e),
        }),
      );
      const extra =
        err && typeof err === "object" && "alternatives" in err
          ? { alternatives: (err as { alternatives: unknown }).alternatives }
          : null;
      return { ...fail(errorCodeOf(err), message, entry.auditId, attempts), data: extra };
    }
  }

  /** The durable undo of an audited call: its compensation tool and the parameters completed from its result. */
  async compensationFor(auditId: string): Promise<CompensationPlan | null> {
    return planOf(await this.auditManager.getEntry(auditId));
  }

  /**
   * Undoes a successful compensable call: runs its compensation as an audited call linked to it,
   * then marks it `compensated` and runs the tool's follow-ups. A second call is a no-op.
   */
  compensate(auditId: string, reason: string): Promise<ToolResult & { alreadyCompensated?: boolean }> {
    return compensateEntry(
      {
        auditManager: this.auditManager,
        tenant: this.tenant,
        logger: this.logger,
        tool: (name) => this.tools.get(name),
        ready: (name) => {
          const tool = this.tools.get(name);
          return tool !== undefined && this.services[tool.service] !== undefined;
        },
        execute: (input, linkedAuditId) => this.executeTool(input, { linkedAuditId }),
      },
      auditId,
      reason,
    );
  }

  /** After a crash: did the call with this key take effect? Null when the tool cannot tell. */
  async reconcile(input: {
    toolName: string;
    parameters: Record<string, unknown>;
    idempotencyKey: string;
  }): Promise<{ happened: boolean; result?: unknown } | null> {
    const tool = this.tools.get(input.toolName);
    if (!tool?.reconcile || !this.services[tool.service]) return null;
    const parsed = tool.schema.safeParse(input.parameters);
    if (!parsed.success) return null;
    return tool.reconcile(
      parsed.data,
      this.services as Required<ToolServices>,
      input.idempotencyKey,
      this.companyId,
    );
  }

  /** The tools as LangChain tools whose calls go through `executeTool` with this context. */
  async asLangChainTools(context: ToolContext & { toolNames?: string[] }) {
    const { toLangChainTools } = await import("./langchain.js");
    return toLangChainTools(
      this,
      [...this.tools.values()].filter((t) => !context.toolNames || context.toolNames.includes(t.name)),
      context,
    );
  }
}

function sameTool(entry: AuditEntry, toolName: string): boolean {
  return entry.actionName === toolName || entry.actionName.startsWith(`${toolName}.`);
}
