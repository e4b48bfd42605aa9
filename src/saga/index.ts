export { SagaKeys } from "../redis/keys.js";
export type {
  CompensationContext,
  CompensationHandler,
  CompensationSpec,
  SagaActionInput,
  SagaToolStepInput,
  StepContext,
} from "./definitions.js";
export type { DrivenStepInput, DrivenStepResult } from "./driven-saga.js";
export { isSagaError, SagaError, type SagaErrorCode, StepFailedError } from "./errors.js";
export { CompensationOrchestrator, type CompensationOrchestratorOptions } from "./orchestrator.js";
export { type OrphanRecoveryDeps, type OrphanReport, recoverOrphans } from "./orphan-recovery.js";
export { RedisSagaStore, type RedisSagaStoreOptions } from "./redis/redis-saga-store.js";
export { SqliteSagaStore, type SqliteSagaStoreOptions } from "./sqlite/sqlite-saga-store.js";
export type { ClaimOutcome, SagaListQuery, SagaStore, SaveOutcome } from "./store.js";
export { formatSagaTimeline } from "./timeline.js";
export type { SagaToolExecutor } from "./tool-port.js";
export * from "./types.js";
