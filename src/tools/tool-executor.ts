import { performance } from "node:perf_hooks";
import { SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { AuditManager } from "../audit/audit-manager.js";
import type { AuditEntry } from "../audit/types.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { DEFAULT_RETRY, isTransientError, type RetryPolicy, retry } from "../util/retry.js";
import { currentSagaScope, sagaStepTag } from "../util/saga-scope.js";
import { LeaseKeeper, OutcomeUnknownError, runAttempt } from "./attempt.js";
import { compensateEntry, planOf } from "./compensation.js";
import { errorCodeOf, messageOf, ToolError } from "./errors.js";
import { BUILTIN_TOOLS, SERVICE_SETTER } from "./registry.js";
import { describeIssues } from "./schemas.js";
import { toolInfo } from "./tool-info.js";
import type { ExecuteToolInputFor, ToolDataFor } from "./tool-map.js";
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
  /** Deadline of one attempt in ms (default 15 s); at the deadline the attempt's signal is aborted. */
  timeoutMs?: number;
  /**
   * How long an aborted attempt may take to stop (ms, default 5 s). Until it stops, its entry is not
   * marked failed and no retry starts; if it does not stop in time, the entry stays pending (the call
   * may still act) and recovery reconciles it once its lease lapses.
   */
  graceMs?: number;
  /**
   * Lease of each call's pending entry (ms, default 30 s): written with the entry, renewed every third
   * of it while the call runs, so recovery takes over only calls whose process stopped.
   */
  leaseMs?: number;
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
  private readonly graceMs: number;
  private readonly leaseMs: number;
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
    this.graceMs = options.graceMs ?? 5_000;
    this.leaseMs = options.leaseMs ?? 30_000;
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

  /**
   * Executes one tool call, audited. Never throws for a tool failure. A built-in tool named by a
   * literal gets its parameters checked at compile time and its result typed; any other name
   * takes a plain record (validated at run time either way).
   */
  executeTool<N extends string>(
    input: ExecuteToolInputFor<N>,
    internal?: InternalOptions,
  ): Promise<ToolResult<ToolDataFor<N>>>;
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
      retriable: boolean,
      auditId: string | null = null,
      attempts = 0,
    ): ToolResult => ({
      success: false,
      tool: toolName,
      data: null,
      error,
      auditId,
      errorCode,
      retriable,
      attempts,
    });
    const tool = this.tools.get(toolName);
    if (!tool)
      return fail(
        "UNKNOWN_TOOL",
        `unknown tool "${toolName}"; known tools: ${[...this.tools.keys()].join(", ")}`,
        false,
      );
    const parsed = tool.schema.safeParse(input.parameters ?? {});
    if (!parsed.success)
      return fail(
        "INVALID_PARAMETERS",
        `invalid parameters for ${toolName}: ${describeIssues(parsed.error)}`,
        false,
      );
    const params = parsed.data;
    if (!this.services[tool.service]) {
      return fail(
        "SERVICE_NOT_CONFIGURED",
        `${toolName} needs the ${tool.service} service: call executor.${SERVICE_SETTER[tool.service]}(...) first`,
        false,
      );
    }

    const key = input.idempotencyKey || null;
    if (key) {
      let previous: AuditEntry | null;
      try {
        previous = await this.auditManager.findByIdempotencyKey(key);
      } catch (err) {
        // Fail closed: without the audit trail we cannot tell whether this step already ran.
        this.logger.error("idempotency lookup failed; tool not run", { toolName, err: messageOf(err) });
        return fail(
          "AUDIT_UNAVAILABLE",
          `not run: the audit store could not be read to check whether key ${key} already ran (${messageOf(err)})`,
          true,
        );
      }
      if (previous && previous.status === "success" && sameTool(previous, toolName)) {
        return {
          success: true,
          tool: toolName,
          data: previous.result,
          error: null,
          auditId: previous.auditId,
          retriable: false,
          attempts: 0,
          replayed: true,
        };
      }
      if (previous && previous.status === "compensated" && sameTool(previous, toolName)) {
        return fail(
          "ALREADY_COMPENSATED",
          `this step (key ${key}) already ran and was undone; use a new idempotency key to run it again`,
          false,
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
        leaseMs: this.leaseMs,
      });
    } catch (err) {
      // Fail closed: no audit record, no side effect.
      this.logger.error("audit write failed; tool not run", { toolName, err: messageOf(err) });
      return fail(
        "AUDIT_UNAVAILABLE",
        `not run: the audit trail could not be written (${messageOf(err)})`,
        true,
      );
    }
    return this.run(tool, params, input, key, entry.auditId, compensation, fail);
  }

  /**
   * Runs an audited call with retries while keeping its entry's lease, then records the outcome.
   * A failure is marked only once the handler has stopped; an attempt that would not stop leaves the
   * entry pending for recovery (and records the outcome itself if the handler settles later).
   */
  private async run(
    tool: ToolDefinition,
    params: Record<string, unknown>,
    input: ExecuteToolInput,
    key: string | null,
    auditId: string,
    compensation: ReturnType<NonNullable<ToolDefinition["compensation"]>>,
    fail: (code: string, error: string, retriable: boolean, auditId: string, attempts: number) => ToolResult,
  ): Promise<ToolResult> {
    const toolName = tool.name;
    const services = this.services as Required<ToolServices>;
    const lease = new LeaseKeeper(this.auditManager, auditId, this.leaseMs, this.logger);
    const started = performance.now();
    let attempts = 0;
    const succeed = async (value: unknown) => {
      const compensationParams = compensation ? compensation.parameters(value) : undefined;
      await this.auditManager
        .markSuccess(
          auditId,
          value,
          performance.now() - started,
          compensationParams ? { compensationParams } : {},
        )
        .catch((err) =>
          this.logger.error(
            "tool succeeded but its audit entry could not be completed; recovery reconciles it once its lease lapses",
            { toolName, auditId, err: messageOf(err) },
          ),
        );
    };
    try {
      const { value } = await retry(
        this.retryPolicy,
        (attempt) => {
          attempts = attempt;
          // Recovery owns the entry now: no further attempt may start.
          if (lease.lost.aborted)
            throw Object.assign(new Error(messageOf(lease.lost.reason)), { retriable: false });
          return runAttempt(this.timeoutMs, this.graceMs, lease.lost, (signal) =>
            tool.run(params, services, {
              companyId: this.companyId,
              idempotencyKey: handlerKey(this.companyId, key, auditId),
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
      lease.stop();
      await succeed(value);
      return { success: true, tool: toolName, data: value, error: null, auditId, retriable: false, attempts };
    } catch (err) {
      lease.stop();
      const message = messageOf(err);
      if (err instanceof OutcomeUnknownError) {
        this.logger.error("tool call did not stop after its deadline; its entry stays pending for recovery", {
          toolName,
          auditId,
        });
        void err.late.then((late) => (late.ok ? succeed(late.value) : undefined));
        return fail(err.code, message, false, auditId, attempts);
      }
      if (lease.lost.aborted) {
        // Recovery owns the entry now and reconciles it; a second writer would only race it.
        return fail(
          "LEASE_LOST",
          `${message} (the entry was taken over by recovery)`,
          false,
          auditId,
          attempts,
        );
      }
      await this.auditManager
        .markFailed(auditId, message, performance.now() - started)
        .catch((e) =>
          this.logger.error("could not mark a failed tool call", { toolName, auditId, err: messageOf(e) }),
        );
      const extra =
        err && typeof err === "object" && "alternatives" in err
          ? { alternatives: (err as { alternatives: unknown }).alternatives }
          : null;
      return { ...fail(errorCodeOf(err), message, isTransientError(err), auditId, attempts), data: extra };
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

  /**
   * After its owner stopped: whether the call an entry left `pending` took effect, asked of its tool
   * by the same key the handler used. `happened` comes with the result and the undo parameters
   * completed from it; null when the tool cannot tell (no `reconcile`, or its service is missing).
   * The stored parameters may be masked (PII): tools reconcile by idempotency key, not by them.
   */
  async reconcileEntry(
    entry: AuditEntry,
  ): Promise<
    | { happened: false }
    | { happened: true; result: unknown; compensationParams: Record<string, unknown> | null }
    | null
  > {
    const tool = this.tools.get(entry.actionName.split(".")[0] as string);
    if (!tool?.reconcile || !this.services[tool.service] || !sameTool(entry, tool.name)) return null;
    const parsed = tool.schema.safeParse(entry.inputParams);
    const params = parsed.success ? parsed.data : entry.inputParams;
    const answer = await tool.reconcile(
      params,
      this.services as Required<ToolServices>,
      handlerKey(this.companyId, entry.idempotencyKey, entry.auditId),
      this.companyId,
    );
    if (!answer) return null;
    if (!answer.happened) return { happened: false };
    const result = answer.result ?? null;
    const compensation = tool.compensation?.(params) ?? null;
    return {
      happened: true,
      result,
      compensationParams: compensation ? compensation.parameters(result) : null,
    };
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

/** The key a handler acts under: the caller's, or one derived from the audit id (so recovery can rebuild it). */
function handlerKey(companyId: string, key: string | null, auditId: string): string {
  return key ?? `${companyId}:${auditId}`;
}

function sameTool(entry: AuditEntry, toolName: string): boolean {
  return entry.actionName === toolName || entry.actionName.startsWith(`${toolName}.`);
}
