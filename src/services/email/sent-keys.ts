/** What is remembered about a sent idempotency key. */
export interface SentRecord {
  provider: string;
  messageId: string;
  /** The send took over a dead sender's claim (see EmailSendResult). */
  resentAfterExpiredClaim?: boolean;
}

/** The value a dedup store holds for a sent key. */
export function encodeSentRecord(record: SentRecord): string {
  return JSON.stringify({
    provider: record.provider,
    messageId: record.messageId,
    ...(record.resentAfterExpiredClaim ? { resentAfterExpiredClaim: true } : {}),
  });
}

/** Reads a dedup store value; a value written by something else is kept as the message id. */
export function decodeSentRecord(stored: string): Partial<SentRecord> {
  try {
    const parsed = JSON.parse(stored) as unknown;
    if (typeof parsed === "object" && parsed !== null) return parsed as Partial<SentRecord>;
  } catch {
    // Not JSON: fall through.
  }
  return { messageId: stored };
}

/** The keys one service instance has sent, with a TTL and a size bound (oldest forgotten first). */
export class SentKeys {
  private readonly entries = new Map<string, SentRecord & { expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): SentRecord | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, record: SentRecord): void {
    this.entries.delete(key);
    this.entries.set(key, { ...record, expiresAt: Date.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
