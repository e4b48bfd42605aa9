import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * Claims on a send (an email, a WhatsApp message) by idempotency key, so that of several processes
 * sending the same key at the same moment exactly one sends. A store keeps, per key, either an
 * in-flight marker (owner + lease end) or the result of the send. The owner renews its lease while
 * it sends; a claim whose lease ran out (its owner died) is taken over by the next caller, who is
 * told so (`takeover`) and must reconcile before sending again.
 */
export type ClaimResult =
  /** The caller owns the key now and must send, then `complete` or `release`. */
  | { status: "claimed"; takeover: boolean }
  /** The key was sent already; `result` is what `complete` stored. */
  | { status: "done"; result: string }
  /** Another owner's claim is live. */
  | { status: "busy"; owner: string };

/** How a failed send ends its claim. */
export type ReleaseOutcome =
  /** Nothing went out (the provider refused it): the next caller sends normally. */
  | "unsent"
  /** It may have gone out (timeout, broken connection): the next caller reconciles first. */
  | "unknown";

/** Where send claims live (Redis, a SQLite file, or memory); every operation is atomic per key. */
export interface SendClaimStore {
  /** Claims `key` for `owner` for `leaseMs`; the current owner calling again renews its lease. */
  claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult>;
  /** Stores the send's result (kept for the retention, or `ttlMs`); false when `owner` no longer holds the claim. */
  complete(key: string, owner: string, result: string, ttlMs?: number): Promise<boolean>;
  /** Gives up the claim after a failed send; false when `owner` no longer holds it. */
  release(key: string, owner: string, outcome?: ReleaseOutcome): Promise<boolean>;
}

/** The stored form of an in-flight marker: `claim:<lease end, epoch ms>:<owner>`. Results are JSON. */
const MARKER = /^claim:(\d+):(.*)$/s;

export function encodeMarker(leaseEndMs: number, owner: string): string {
  return `claim:${Math.max(0, Math.floor(leaseEndMs))}:${owner}`;
}

export function decodeMarker(value: string): { leaseEndMs: number; owner: string } | null {
  const m = MARKER.exec(value);
  return m ? { leaseEndMs: Number(m[1]), owner: m[2] ?? "" } : null;
}

/** A fresh owner id for one send: host, process and a random part, so no two sends share one. */
export function newClaimOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID()}`;
}

export interface ClaimWaitOptions {
  leaseMs: number;
  /** How long a caller waits for another owner's send before answering "in progress". */
  waitMs: number;
  /** Pause between two looks at a busy key. */
  pollMs?: number;
}

/**
 * Claims `key`, waiting up to `waitMs` while another owner holds it. Answers `busy` only when the
 * other owner is still sending after the wait.
 */
export async function claimOrWait(
  store: SendClaimStore,
  key: string,
  owner: string,
  options: ClaimWaitOptions,
): Promise<ClaimResult> {
  const deadline = Date.now() + Math.max(0, options.waitMs);
  const pollMs = Math.max(5, options.pollMs ?? 50);
  for (;;) {
    const result = await store.claim(key, owner, options.leaseMs);
    if (result.status !== "busy" || Date.now() >= deadline) return result;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}

/**
 * Renews the claim every third of its lease while the send runs, so a slow but live send is not
 * taken over. Returns the function that stops renewing. A failed renewal is left alone: the lease
 * then runs out and the next caller reconciles.
 */
export function keepClaim(store: SendClaimStore, key: string, owner: string, leaseMs: number): () => void {
  const timer = setInterval(
    () => {
      store.claim(key, owner, leaseMs).catch(() => undefined);
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Claims in this process's memory, for a service without a shared store. */
export class MemorySendClaims implements SendClaimStore {
  readonly #values = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly ttlMs = 7 * 86_400_000) {}

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const now = Date.now();
    const current = this.#get(key, now);
    const marker = current === null ? null : decodeMarker(current);
    if (current !== null && marker === null) return { status: "done", result: current };
    if (marker && marker.owner !== owner && marker.leaseEndMs > now) {
      return { status: "busy", owner: marker.owner };
    }
    this.#values.set(key, { value: encodeMarker(now + leaseMs, owner), expiresAt: now + this.ttlMs });
    return { status: "claimed", takeover: marker !== null && marker.owner !== owner };
  }

  async complete(key: string, owner: string, result: string, ttlMs = this.ttlMs): Promise<boolean> {
    const current = this.#get(key, Date.now());
    if (current !== null && decodeMarker(current)?.owner !== owner) return false;
    this.#values.set(key, { value: result, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(key: string, owner: string, outcome: ReleaseOutcome = "unsent"): Promise<boolean> {
    const entry = this.#values.get(key);
    const marker = entry ? decodeMarker(entry.value) : null;
    if (!entry || marker?.owner !== owner) return false;
    if (outcome === "unsent") this.#values.delete(key);
    else entry.value = encodeMarker(0, owner);
    return true;
  }

  #get(key: string, now: number): string | null {
    const entry = this.#values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= now) {
      this.#values.delete(key);
      return null;
    }
    return entry.value;
  }
}
