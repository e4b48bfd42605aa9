/**
 * agent-ledger: audited tool execution, a tamper-evident audit trail and durable sagas for a
 * multi-agent customer-service platform.
 */
export {
  type ChatModelOptions,
  chatModelOptionsFromEnv,
  createChatModel,
  createDefaultAgents,
  createLlmAgents,
  type DefaultAgents,
  type DefaultAgentsOptions,
  type LlmAgentsOptions,
  LlmRouterAgent,
  LlmSalesAgent,
  LlmSlotExtractor,
  LlmSupportAgent,
  loadDefaultAgents,
  loadLlmAgents,
  loadTreatmentCatalogue,
  OfflineRouterAgent,
  routerWithFallback,
  SalesAgent,
  ScheduleAgent,
  type SlotExtractor,
  SupportAgent,
  TreatmentCatalogue,
  withFallback,
} from "./agents/index.js";
export type * from "./agents/types.js";
export {
  App,
  type AppOptions,
  type AppStartOptions,
  RedisUnavailableError,
  type TenantRuntime,
} from "./app.js";
export * from "./audit/index.js";
export { type AppConfig, ConfigError, loadConfig, type TenantConfig, tenantConfig } from "./config/index.js";
export * from "./graph/index.js";
export {
  DEFAULT_PREFIX,
  queueNaming,
  queuePrefix,
  type SendChannel,
  sendClaimPrefix,
  tenantRoot,
} from "./redis/keys.js";
export * from "./saga/index.js";
export * from "./services/calendar/index.js";
export * from "./services/chatwoot/index.js";
export * from "./services/email/index.js";
export * from "./services/knowledge/index.js";
export * from "./services/multimedia/index.js";
export * from "./services/tickets/index.js";
export { OutcomeUnknownError } from "./tools/attempt.js";
export { defineTool, type ToolSchema, type TypedToolDefinition } from "./tools/define-tool.js";
export {
  type CalendarActionResults,
  type CalendarResult,
  isBooking,
} from "./tools/definitions/google-calendar.js";
export { ToolError, type ToolErrorCode } from "./tools/errors.js";
export { executeTyped, type ToolCaller } from "./tools/execute-typed.js";
export { BUILTIN_TOOLS } from "./tools/registry.js";
export { ToolExecutor, type ToolExecutorOptions } from "./tools/tool-executor.js";
export type * from "./tools/tool-map.js";
export type * from "./tools/types.js";
export { AgentLedgerError, InputError, isAgentLedgerError } from "./util/errors.js";
export { createLogger, type Logger, type LogLevel } from "./util/logger.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./util/retry.js";
export {
  type ClaimResult,
  MemorySendClaims,
  type ReleaseOutcome,
  type SendClaimStore,
} from "./util/send-claims.js";
