import { STATUS_OF_OP } from "./entry-codec.js";
import { chainLink, fieldDigest, type Signer } from "./signing.js";
import type { AuditStore, ChainRecord, StoredEntry } from "./store.js";
import type { TamperFinding, VerifyReport } from "./types.js";

interface VerifyInput {
  companyId: string;
  store: AuditStore;
  signer: Signer;
  now: number;
  ttlMs: number;
}

function fieldOf(entry: StoredEntry, op: ChainRecord["op"]): string | null {
  if (op === "create") return entry.base;
  if (op === "compensate") return entry.comp;
  return entry.outcome;
}

/**
 * Walks the chain in sequence order and every stored entry, and reports:
 * - forged: a record whose signature does not match its content (inserted or edited without the key);
 * - deleted: a gap in the sequence, a sealed record gone, or an entry gone before its retention ended;
 * - reordered: a record whose link does not follow the one before it, or a chain that no longer
 *   matches a seal (re-hashed after being rearranged);
 * - changed: an entry whose fields no longer match the digests its records signed;
 * - inserted: an entry no record accounts for.
 */
export async function verifyTrail({
  companyId,
  store,
  signer,
  now,
  ttlMs,
}: VerifyInput): Promise<VerifyReport> {
  const findings: TamperFinding[] = [];
  const recordsByEntry = new Map<string, ChainRecord[]>();
  const chainAt = new Map<number, string>();
  let prev: ChainRecord | null = null;
  let recordsChecked = 0;

  for await (const batch of store.readChain(companyId)) {
    for (const rec of batch) {
      recordsChecked++;
      if (signer.record(companyId, rec.auditId, rec.op, rec.digest, rec.at) !== rec.sig) {
        findings.push({
          kind: "forged",
          auditId: rec.auditId,
          seq: rec.seq,
          detail: `record #${rec.seq} (${rec.op}) does not carry a valid signature`,
        });
      }
      if (chainLink(rec.prev, rec.sig) !== rec.chain) {
        findings.push({
          kind: "changed",
          auditId: rec.auditId,
          seq: rec.seq,
          detail: `record #${rec.seq} does not hash to its stored chain value`,
        });
      }
      if (prev) {
        if (rec.seq > prev.seq + 1) {
          findings.push({
            kind: "deleted",
            auditId: null,
            seq: prev.seq + 1,
            detail: `records #${prev.seq + 1}..#${rec.seq - 1} are missing from the chain`,
          });
        } else if (rec.seq <= prev.seq || rec.prev !== prev.chain) {
          findings.push({
            kind: "reordered",
            auditId: rec.auditId,
            seq: rec.seq,
            detail: `record #${rec.seq} does not follow record #${prev.seq} in the chain`,
          });
        }
      }
      chainAt.set(rec.seq, rec.chain);
      const list = recordsByEntry.get(rec.auditId) ?? [];
      list.push(rec);
      recordsByEntry.set(rec.auditId, list);
      prev = rec;
    }
  }
  const firstSeq = chainAt.size > 0 ? Math.min(...chainAt.keys()) : Number.POSITIVE_INFINITY;
  const lastSeq = prev?.seq ?? 0;

  const seals = await store.readSeals(companyId);
  let prevSeal: (typeof seals)[number] | null = null;
  let lastSealedSeq = 0;
  for (const seal of seals) {
    const { sig, ...unsigned } = seal;
    if (signer.seal(companyId, unsigned) !== sig) {
      findings.push({
        kind: "forged",
        auditId: null,
        seq: seal.seq,
        detail: `seal at record #${seal.seq} does not carry a valid signature`,
      });
    } else if (prevSeal && seal.prevSig !== prevSeal.sig) {
      findings.push({
        kind: "deleted",
        auditId: null,
        seq: seal.seq,
        detail: `seal at record #${seal.seq} does not follow the seal before it`,
      });
    }
    if (seal.seq > lastSeq) {
      findings.push({
        kind: "deleted",
        auditId: null,
        seq: seal.seq,
        detail: `records up to #${seal.seq} were sealed but the chain ends at #${lastSeq}`,
      });
    } else if (seal.seq >= firstSeq) {
      const chain = chainAt.get(seal.seq);
      if (chain === undefined) {
        findings.push({
          kind: "deleted",
          auditId: null,
          seq: seal.seq,
          detail: `sealed record #${seal.seq} is missing`,
        });
      } else if (chain !== seal.chain) {
        findings.push({
          kind: "reordered",
          auditId: null,
          seq: seal.seq,
          detail: `the chain up to record #${seal.seq} was rewritten after it was sealed`,
        });
      }
    }
    lastSealedSeq = Math.max(lastSealedSeq, seal.seq);
    prevSeal = seal;
  }

  let entriesChecked = 0;
  const seen = new Set<string>();
  for await (const ids of store.listEntryIds(companyId, now)) {
    for (const auditId of ids) {
      if (seen.has(auditId)) continue;
      seen.add(auditId);
      const entry = await store.get(companyId, auditId, now);
      if (!entry) continue;
      entriesChecked++;
      const records = recordsByEntry.get(auditId);
      if (!records || records.length === 0) {
        findings.push({
          kind: "inserted",
          auditId,
          seq: null,
          detail: `entry ${auditId} has no record in the chain`,
        });
        continue;
      }
      for (const rec of records) {
        const field = fieldOf(entry, rec.op);
        if (field === null || fieldDigest(rec.op, STATUS_OF_OP[rec.op], field) !== rec.digest) {
          findings.push({
            kind: "changed",
            auditId,
            seq: rec.seq,
            detail: `entry ${auditId}: the fields written by its ${rec.op} record (#${rec.seq}) were changed`,
          });
        }
      }
      const last = records.at(-1) as ChainRecord;
      if (entry.status !== STATUS_OF_OP[last.op]) {
        findings.push({
          kind: "changed",
          auditId,
          seq: last.seq,
          detail: `entry ${auditId}: status is "${entry.status}" but its last record says "${STATUS_OF_OP[last.op]}"`,
        });
      }
    }
  }
  for (const [auditId, records] of recordsByEntry) {
    if (seen.has(auditId)) continue;
    const created = records[0]?.op === "create" ? records[0].at : null;
    const expired = created !== null && created + ttlMs <= now;
    if (!expired && records.some((r) => r.op === "create")) {
      findings.push({
        kind: "deleted",
        auditId,
        seq: records[0]?.seq ?? null,
        detail: `entry ${auditId} is gone before the end of its retention`,
      });
    }
  }

  return {
    ok: findings.length === 0,
    companyId,
    signed: signer.signed,
    entriesChecked,
    recordsChecked,
    sealsChecked: seals.length,
    unsealedRecords: Math.max(0, lastSeq - lastSealedSeq),
    findings,
  };
}
