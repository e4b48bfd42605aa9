import { hash, randomBytes } from "node:crypto";
import { STATUS_OF_OP } from "./entry-codec.js";
import type { AuditOp, AuditStore, ChainRecord } from "./store.js";
import type { AuditStatus, TamperFinding } from "./types.js";

const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;
/** Index of each op in the multiplier tables; anything else (a forged op) gets the last slot. */
const OP_INDEX: Record<string, number> = { create: 0, success: 1, failed: 2, compensate: 3, attention: 4 };
const OTHER_OP = 5;
/** The records an entry in each status must have in the chain (while none is trimmed by retention). */
const OPS_OF_STATUS: Record<AuditStatus, AuditOp[]> = {
  pending: ["create"],
  success: ["create", "success"],
  failed: ["create", "failed"],
  compensated: ["create", "success", "compensate"],
  needs_attention: ["create", "attention"],
};

/**
 * Compares, in fixed memory, the chain records of present entries with the records each entry's
 * status calls for. Every (entry, op) pair becomes a token `v(entry) * k(op)` (two 32-bit lanes) that
 * records add and entries subtract in the entry's bucket; `v` comes from a keyed hash salted per run
 * and `k` are random odd multipliers, so an attacker cannot make a wrong set sum to zero. A bucket
 * that does not end at zero holds an entry with a missing, extra or unexpected record (inserted,
 * status changed), or one that legitimately differs (a record trimmed at the retention boundary,
 * a write during the run); only those buckets are then checked entry by entry.
 */
export class EntryTally {
  private readonly salt = randomBytes(16).toString("hex");
  private readonly k1 = new Uint32Array(OTHER_OP + 1);
  private readonly k2 = new Uint32Array(OTHER_OP + 1);
  private readonly sum1 = new Uint32Array(BUCKETS);
  private readonly sum2 = new Uint32Array(BUCKETS);
  /** Entries listed per bucket, to size the groups checked one by one. */
  private readonly entries = new Uint32Array(BUCKETS);

  constructor() {
    const random = new Uint32Array(randomBytes(8 * (OTHER_OP + 1)).buffer);
    for (let i = 0; i <= OTHER_OP; i++) {
      this.k1[i] = (random[2 * i] as number) | 1;
      this.k2[i] = (random[2 * i + 1] as number) | 1;
    }
  }

  /** Bucket and the two lane values of an entry. */
  private point(auditId: string): [number, number, number] {
    const h = hash("sha1", `${this.salt}|${auditId}`, "hex");
    return [
      Number.parseInt(h.slice(0, 4), 16) & (BUCKETS - 1),
      Number.parseInt(h.slice(4, 12), 16),
      Number.parseInt(h.slice(12, 20), 16),
    ];
  }

  bucketOf(auditId: string): number {
    return this.point(auditId)[0];
  }

  /** A chain record whose entry is present. */
  addRecord(auditId: string, op: string): void {
    const [b, v1, v2] = this.point(auditId);
    const i = OP_INDEX[op] ?? OTHER_OP;
    // Uint32Array stores wrap modulo 2^32, which is what the sums need.
    this.sum1[b] = (this.sum1[b] as number) + Math.imul(v1, this.k1[i] as number);
    this.sum2[b] = (this.sum2[b] as number) + Math.imul(v2, this.k2[i] as number);
  }

  /** A present entry: takes away the records its status calls for. */
  addEntry(auditId: string, status: string): void {
    const [b, v1, v2] = this.point(auditId);
    this.entries[b] = (this.entries[b] as number) + 1;
    // An unknown status expects nothing, so the bucket cannot balance and gets checked.
    for (const op of OPS_OF_STATUS[status as AuditStatus] ?? []) {
      const i = OP_INDEX[op] as number;
      this.sum1[b] = (this.sum1[b] as number) - Math.imul(v1, this.k1[i] as number);
      this.sum2[b] = (this.sum2[b] as number) - Math.imul(v2, this.k2[i] as number);
    }
  }

  /** Groups of unbalanced buckets, each holding at most about `budget` entries. */
  unbalanced(budget: number): Set<number>[] {
    const groups: Set<number>[] = [];
    let group = new Set<number>();
    let size = 0;
    for (let b = 0; b < BUCKETS; b++) {
      if (this.sum1[b] === 0 && this.sum2[b] === 0) continue;
      const n = this.entries[b] as number;
      if (group.size > 0 && size + n > budget) {
        groups.push(group);
        group = new Set();
        size = 0;
      }
      group.add(b);
      size += n;
    }
    if (group.size > 0) groups.push(group);
    return groups;
  }
}

interface EntryCheckInput {
  companyId: string;
  store: AuditStore;
  now: number;
  tally: EntryTally;
  findings: TamperFinding[];
  /** Entries held in memory at once while checking unbalanced buckets. */
  budget: number;
}

/**
 * Checks the entries of unbalanced buckets one group at a time: each group lists its entries, then
 * walks the chain once for their records, and names an entry no record accounts for ("inserted") or
 * whose status is not the one its last record set ("changed"). Memory stays within `budget` entries;
 * an untouched trail has no unbalanced bucket and costs nothing here.
 */
export async function checkUnbalancedEntries(input: EntryCheckInput): Promise<void> {
  const { companyId, store, now, tally, findings, budget } = input;
  for (const group of tally.unbalanced(budget)) {
    const suspects = new Map<string, { status: AuditStatus; last: ChainRecord | null }>();
    for await (const page of store.listEntries(companyId, now)) {
      for (const e of page) {
        if (group.has(tally.bucketOf(e.auditId))) suspects.set(e.auditId, { status: e.status, last: null });
      }
    }
    if (suspects.size === 0) continue;
    for await (const batch of store.readChain(companyId)) {
      for (const rec of batch) {
        const s = suspects.get(rec.auditId);
        if (s) s.last = rec;
      }
    }
    for (const [auditId, { status, last }] of suspects) {
      if (!last) {
        findings.push({
          kind: "inserted",
          auditId,
          seq: null,
          detail: `entry ${auditId} has no record in the chain`,
        });
      } else if (status !== STATUS_OF_OP[last.op]) {
        findings.push({
          kind: "changed",
          auditId,
          seq: last.seq,
          detail: `entry ${auditId}: status is "${status}" but its last record says "${STATUS_OF_OP[last.op]}"`,
        });
      }
    }
  }
}
