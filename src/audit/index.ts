export { AuditKeys } from "../redis/keys.js";
export { isSecretKey, maskPii, REDACTED, type RedactionOptions, redactSecrets } from "../util/redaction.js";
export { AuditManager, type AuditManagerOptions } from "./audit-manager.js";
export { AuditError, type AuditErrorCode, AuditStoreError, isAuditError } from "./errors.js";
export { RedisAuditStore, type RedisAuditStoreOptions } from "./redis/redis-audit-store.js";
export { SqliteAuditStore } from "./sqlite/sqlite-audit-store.js";
export type { AuditStore } from "./store.js";
export * from "./types.js";
