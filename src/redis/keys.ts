import { InputError } from "../util/errors.js";

/**
 * Every Redis key the project writes is named in this module, under one prefix (default `al`, short
 * because it starts millions of keys; every store's `prefix` option overrides it, tests use one
 * per test). Layout, for prefix `al` and tenant `benova`:
 *
 * | key                                        | type       | what                                  |
 * | ------------------------------------------ | ---------- | ------------------------------------- |
 * | `al:{benova}:e:<auditId>`                  | hash       | audit entry                           |
 * | `al:{benova}:i:all`, `:i:u:<user>`, ...    | sorted set | audit indexes (user, type, status, tag, conversation, saga) |
 * | `al:{benova}:k:<idempotencyKey>`           | string     | audit id of an idempotency key        |
 * | `al:{benova}:chain`, `:head`, `:seals`     | stream, string, stream | audit hash chain, its head, seals |
 * | `al:{benova}:sg:r:<sagaId>`                | hash       | saga record                           |
 * | `al:{benova}:sg:all`, `:sg:s:<status>`, `:sg:lease` | sorted set | saga indexes, leases        |
 * | `al:{benova}:email:sent:<key>`             | string     | email send claim, then its result     |
 * | `al:{benova}:chatwoot:sent:<account>:<key>` | string    | WhatsApp send claim, then its result  |
 * | `al:queue:{<queue>}:...`                   | (BullMQ)   | reserved for job queues               |
 *
 * Every tenant key starts with the tenant root `al:{benova}`: the `{companyId}` hash tag puts all
 * of a tenant's keys in one Redis Cluster slot, so one Lua script may touch any of them.
 */
export const DEFAULT_PREFIX = "al";

/** The email dedup store's default prefix before every key moved under {@link DEFAULT_PREFIX}. */
export const LEGACY_EMAIL_PREFIX = "agent-ledger";

// No braces (a `{` in the prefix would replace the tenant's hash tag), no glob characters (stores
// SCAN by prefix), no spaces.
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/**
 * A store's `prefix` option checked, or {@link DEFAULT_PREFIX} when it is not set.
 * @throws InputError naming `prefix` when it is empty or holds braces, glob characters or spaces.
 */
export function resolvePrefix(prefix: string | undefined): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    throw new InputError(
      "prefix",
      `1-64 letters, digits, '_', '.', ':' or '-' (got ${JSON.stringify(prefix)})`,
    );
  }
  return prefix;
}

/**
 * `${prefix}:{${companyId}}`: the start of every key of one tenant.
 * @throws InputError naming `companyId` when it is empty or holds a brace (it is the hash tag).
 */
export function tenantRoot(prefix: string, companyId: string): string {
  if (typeof companyId !== "string" || companyId === "" || /[{}]/.test(companyId)) {
    throw new InputError("companyId", `a non-empty id without braces (got ${JSON.stringify(companyId)})`);
  }
  return `${prefix}:{${companyId}}`;
}

// This module imports nothing of the stores that use it (no import cycles), hence structural types.
/** The audit query filters an index exists for (`StoreFilters` of the audit store). */
export interface IndexFilters {
  userId?: string;
  actionType?: string;
  status?: string;
  tag?: string;
  conversationId?: string;
  sagaId?: string;
}

/** The audit trail's keys of one tenant. */
export class AuditKeys {
  readonly root: string;
  constructor(prefix: string, companyId: string) {
    this.root = tenantRoot(prefix, companyId);
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
  bestIndex(f: IndexFilters): { key: string; used: keyof IndexFilters | null } {
    if (f.sagaId) return { key: this.saga(f.sagaId), used: "sagaId" };
    if (f.conversationId) return { key: this.conversation(f.conversationId), used: "conversationId" };
    if (f.userId) return { key: this.user(f.userId), used: "userId" };
    if (f.tag) return { key: this.tag(f.tag), used: "tag" };
    if (f.actionType) return { key: this.type(f.actionType), used: "actionType" };
    if (f.status) return { key: this.status(f.status), used: "status" };
    return { key: this.all, used: null };
  }
}

/**
 * The saga store's keys of one tenant, under `<tenant root>:sg`. Index sorted sets hold saga ids
 * with score 0: ids are ULIDs, so lexical order is creation order.
 */
export class SagaKeys {
  readonly root: string;
  constructor(prefix: string, companyId: string) {
    this.root = `${tenantRoot(prefix, companyId)}:sg`;
  }
  record(sagaId: string): string {
    return `${this.root}:r:${sagaId}`;
  }
  get all(): string {
    return `${this.root}:all`;
  }
  status(status: string): string {
    return `${this.root}:s:${status}`;
  }
  /** The status indexes of `statuses` (the store passes SAGA_STATUSES), in that order. */
  statusIndexes(statuses: readonly string[]): string[] {
    return statuses.map((s) => this.status(s));
  }
  /** Sagas someone holds, scored by lease expiry (epoch ms). */
  get leases(): string {
    return `${this.root}:lease`;
  }
}

/** What is sent once per idempotency key. */
export type SendChannel = "email" | "whatsapp";
// WhatsApp goes out through Chatwoot; the segment keeps the name its keys were first written under.
const SEND_SEGMENT: Record<SendChannel, string> = { email: "email:sent", whatsapp: "chatwoot:sent" };

/** Prefix of a tenant's send-claim keys of one channel; the idempotency key is appended. */
export function sendClaimPrefix(prefix: string, companyId: string, channel: SendChannel): string {
  return `${tenantRoot(prefix, companyId)}:${SEND_SEGMENT[channel]}:`;
}

/** The namespace reserved for job queues: BullMQ's `prefix` option. */
export function queuePrefix(prefix: string = DEFAULT_PREFIX): string {
  return `${resolvePrefix(prefix)}:queue`;
}

const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The name and prefix to give BullMQ for one of the project's queues. The name is wrapped in a hash
 * tag, so each queue's keys share one Redis Cluster slot (BullMQ's scripts need that) while
 * different queues spread over the cluster: keys are `al:queue:{webhooks}:wait`, and so on. A queue
 * serves every tenant, so its keys carry no tenant root.
 *
 * @example
 * const q = queueNaming("webhooks");
 * const queue = new Queue(q.name, { connection, prefix: q.prefix });
 * @throws InputError naming `queue` unless the name is lower-case letters, digits, - or _.
 */
export function queueNaming(
  queue: string,
  prefix: string = DEFAULT_PREFIX,
): { name: string; prefix: string } {
  if (typeof queue !== "string" || !QUEUE_NAME.test(queue)) {
    throw new InputError("queue", `lower-case letters, digits, - or _ (got ${JSON.stringify(queue)})`);
  }
  return { name: `{${queue}}`, prefix: queuePrefix(prefix) };
}
