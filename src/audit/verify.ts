import { STATUS_OF_OP } from "./entry-codec.js";
import { chainLink, fieldDigest, type Signer } from "./signing.js";
import type { AuditStore, ChainRecord, SealRecord, StoredEntry } from "./store.js";
import type { TamperFinding, VerifyReport } from "./types.js";
import { checkUnbalancedEntries, EntryTally } from "./verify-entries.js";

interface VerifyInput {
  companyId: string;
  store: AuditStore;
  signer: Signer;
  now: number;
  ttlMs: number;
  /** Entries held in memory at once when some need checking one by one (default 20,000). */
  entryBudget?: number;
}

interface ChainWalk {
  recordsChecked: number;
  firstSeq: number;
  lastSeq: number;
  /** Chain value found at each sealed sequence number (few: at most one seal per second of writes). */
  sealedChain: Map<number, string>;
}

function fieldOf(entry: StoredEntry, op: ChainRecord["op"]): string | null {
  if (op === "create") return entry.base;
  if (op === "compensate") return entry.comp;
  // success, failed and attention each write the outcome group.
  return entry.outcome;
}

/**
 * Streams the chain page by page (one batched read of the entries each page names) and checks each
 * record: signature, link to the record before, sequence, digest of the field its entry holds, and an
 * entry gone before its retention ended. Records of present entries go into `tally`.
 */
async function walkChain(
  { companyId, store, signer, now, ttlMs }: VerifyInput,
  sealedSeqs: ReadonlySet<number>,
  tally: EntryTally,
  findings: TamperFinding[],
): Promise<ChainWalk> {
  const walk: ChainWalk = {
    recordsChecked: 0,
    firstSeq: Number.POSITIVE_INFINITY,
    lastSeq: 0,
    sealedChain: new Map(),
  };
  let prev: ChainRecord | null = null;
  for await (const batch of store.readChain(companyId)) {
    const entries = await store.getMany(companyId, [...new Set(batch.map((r) => r.auditId))], now);
    for (const rec of batch) {
      walk.recordsChecked++;
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
      if (sealedSeqs.has(rec.seq)) walk.sealedChain.set(rec.seq, rec.chain);
      if (rec.seq < walk.firstSeq) walk.firstSeq = rec.seq;
      const entry = entries.get(rec.auditId);
      if (entry) {
        tally.addRecord(rec.auditId, rec.op);
        const field = fieldOf(entry, rec.op);
        if (field === null || fieldDigest(rec.op, STATUS_OF_OP[rec.op], field) !== rec.digest) {
          findings.push({
            kind: "changed",
            auditId: rec.auditId,
            seq: rec.seq,
            detail: `entry ${rec.auditId}: the fields written by its ${rec.op} record (#${rec.seq}) were changed`,
          });
        }
      } else if (rec.op === "create" && rec.at + ttlMs > now) {
        findings.push({
          kind: "deleted",
          auditId: rec.auditId,
          seq: rec.seq,
          detail: `entry ${rec.auditId} is gone before the end of its retention`,
        });
      }
      prev = rec;
    }
  }
  walk.lastSeq = prev?.seq ?? 0;
  return walk;
}

/** Checks each seal's signature and link, and the chain value the walk found at its sequence number. */
function checkSeals(
  companyId: string,
  signer: Signer,
  seals: SealRecord[],
  walk: ChainWalk,
  findings: TamperFinding[],
): number {
  let prevSeal: SealRecord | null = null;
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
    if (seal.seq > walk.lastSeq) {
      findings.push({
        kind: "deleted",
        auditId: null,
        seq: seal.seq,
        detail: `records up to #${seal.seq} were sealed but the chain ends at #${walk.lastSeq}`,
      });
    } else if (seal.seq >= walk.firstSeq) {
      const chain = walk.sealedChain.get(seal.seq);
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
  return lastSealedSeq;
}

/**
 * Checks the whole trail of a tenant in memory bounded by a page of records, not by the trail's size,
 * and reports:
 * - forged: a record whose signature does not match its content (inserted or edited without the key);
 * - deleted: a gap in the sequence, a sealed record gone, or an entry gone before its retention ended;
 * - reordered: a record whose link does not follow the one before it, or a chain that no longer
 *   matches a seal (re-hashed after being rearranged);
 * - changed: an entry whose fields no longer match the digests its records signed, or whose status is
 *   not the one its last record set;
 * - inserted: an entry no record accounts for.
 * One pass over the chain, one over the entry list; entries whose records do not balance (see
 * EntryTally) cost one more pass of each per group of up to `entryBudget` entries.
 */
export async function verifyTrail(input: VerifyInput): Promise<VerifyReport> {
  const { companyId, store, signer, now } = input;
  const findings: TamperFinding[] = [];
  const seals = await store.readSeals(companyId);
  const tally = new EntryTally();
  const walk = await walkChain(input, new Set(seals.map((s) => s.seq)), tally, findings);
  const lastSealedSeq = checkSeals(companyId, signer, seals, walk, findings);

  let entriesChecked = 0;
  for await (const page of store.listEntries(companyId, now)) {
    for (const e of page) tally.addEntry(e.auditId, e.status);
    entriesChecked += page.length;
  }
  await checkUnbalancedEntries({
    companyId,
    store,
    now,
    tally,
    findings,
    budget: input.entryBudget ?? 20_000,
  });

  return {
    ok: findings.length === 0,
    companyId,
    signed: signer.signed,
    entriesChecked,
    recordsChecked: walk.recordsChecked,
    sealsChecked: seals.length,
    unsealedRecords: Math.max(0, walk.lastSeq - lastSealedSeq),
    findings,
  };
}
