import type { StoreFilters } from "../store.js";

/**
 * Every Redis key of the audit trail is built here. All keys of a tenant share the `{companyId}`
 * hash tag, so one Lua script may touch them all on a Redis Cluster (one slot per tenant).
 */
export class AuditKeys {
  readonly root: string;
  constructor(prefix: string, companyId: string) {
    this.root = `${prefix}:{${companyId}}`;
  }
  /** Prefix of entry hashes; the Lua query script appends the audit id. */
  get entryPrefix(): string {
    return `${this.root}:e:`;
  }
  entry(auditId: string): string {
    return `${this.entryPrefix}${auditId}`;
  }
  get all(): string {
    return `${this.root}:i:all`;
  }
  user(userId: string): string {
    return `${this.root}:i:u:${userId}`;
  }
  type(actionType: string): string {
    return `${this.root}:i:t:${actionType}`;
  }
  status(status: string): string {
    return `${this.root}:i:s:${status}`;
  }
  tag(tag: string): string {
    return `${this.root}:i:g:${tag}`;
  }
  conversation(conversationId: string): string {
    return `${this.root}:i:c:${conversationId}`;
  }
  saga(sagaId: string): string {
    return `${this.root}:i:saga:${sagaId}`;
  }
  idempotency(key: string): string {
    return `${this.root}:k:${key}`;
  }
  get chain(): string {
    return `${this.root}:chain`;
  }
  /** "<seq>:<chain hash>" of the newest chain record. */
  get head(): string {
    return `${this.root}:head`;
  }
  get seals(): string {
    return `${this.root}:seals`;
  }

  /**
   * The most selective index for a set of filters (saga and conversation are small, then user, tag,
   * type, status, all). The other filters are checked against each candidate.
   */
  bestIndex(f: StoreFilters): { key: string; used: keyof StoreFilters | null } {
    if (f.sagaId) return { key: this.saga(f.sagaId), used: "sagaId" };
    if (f.conversationId) return { key: this.conversation(f.conversationId), used: "conversationId" };
    if (f.userId) return { key: this.user(f.userId), used: "userId" };
    if (f.tag) return { key: this.tag(f.tag), used: "tag" };
    if (f.actionType) return { key: this.type(f.actionType), used: "actionType" };
    if (f.status) return { key: this.status(f.status), used: "status" };
    return { key: this.all, used: null };
  }
}
