import { createHmac, hash } from "node:crypto";
import type { AuditOp, SealRecord } from "./store.js";

/** One-shot hashing (no Hash object per call): this runs twice on every audited transition. */
export function sha256(text: string): string {
  return hash("sha256", text, "hex");
}

/** The chain link the stores compute: identical to `redis.sha1hex(prev .. "|" .. sig)` in Lua. */
export function chainLink(prev: string, sig: string): string {
  return hash("sha1", `${prev}|${sig}`, "hex");
}

/** Digest of the fields one transition wrote, bound to the status it set. */
export function fieldDigest(op: AuditOp, status: string, fieldJson: string): string {
  return sha256(`${op}|${status}|${fieldJson}`);
}

/** Signs transitions and seals. The key lives only in this process, never in the store. */
export class Signer {
  constructor(private readonly key: string | null) {}

  get signed(): boolean {
    return this.key !== null;
  }

  private mac(text: string): string {
    return this.key ? createHmac("sha256", this.key).update(text).digest("hex") : sha256(text);
  }

  record(companyId: string, auditId: string, op: AuditOp, digest: string, at: number): string {
    return this.mac(`rec|${companyId}|${auditId}|${op}|${digest}|${at}`);
  }

  seal(companyId: string, seal: Omit<SealRecord, "sig">): string {
    return this.mac(`seal|${companyId}|${seal.seq}|${seal.chain}|${seal.at}|${seal.prevSig}`);
  }
}
