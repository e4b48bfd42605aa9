import {
  type ClaimResult,
  claimOrWait,
  keepClaim,
  newClaimOwner,
  type SendClaimStore,
} from "../../util/send-claims.js";
import { ChatwootApiError, type ChatwootErrorCode, ChatwootInputError } from "./errors.js";
import type { SentMessage } from "./types.js";

/** Answers after which Chatwoot surely did not create the message. */
const NOT_CREATED: readonly ChatwootErrorCode[] = [
  "UNAUTHORIZED",
  "NOT_FOUND",
  "INVALID_REQUEST",
  "RATE_LIMITED",
];

export interface ClaimedSend {
  store: SendClaimStore;
  key: string;
  leaseMs: number;
  waitMs: number;
  /** Travels with the message, so a later sender can find it in the conversation. */
  marker: string;
}

/**
 * Posts one message for an idempotency key across processes: claims the key first, so exactly one
 * caller posts; a concurrent caller gets the winner's message, or after `waitMs` an IN_PROGRESS
 * error (retriable). A caller that takes over a dead sender's claim first asks Chatwoot for a
 * message carrying the marker and posts only when there is none, so a send is never dropped.
 */
export async function sendClaimed(
  send: ClaimedSend,
  io: {
    post(marker: string): Promise<SentMessage>;
    find(marker: string): Promise<SentMessage | undefined>;
  },
): Promise<SentMessage> {
  const { store, key, leaseMs, marker } = send;
  const owner = newClaimOwner();
  let claim: ClaimResult;
  try {
    claim = await claimOrWait(store, key, owner, { leaseMs, waitMs: send.waitMs });
  } catch (err) {
    throw new ChatwootApiError(
      `cannot tell whether this message was already sent: the dedup store failed (${(err as Error).message}); retry later`,
      0,
      "DEDUP_UNAVAILABLE",
      true,
    );
  }
  if (claim.status === "done") return JSON.parse(claim.result) as SentMessage;
  if (claim.status === "busy") {
    throw new ChatwootApiError(
      "another process is sending this message (same idempotency key) right now; try again shortly",
      0,
      "IN_PROGRESS",
      true,
    );
  }
  const stop = keepClaim(store, key, owner, leaseMs);
  let sent: SentMessage | undefined;
  let posting = false;
  try {
    if (claim.takeover) sent = await io.find(marker);
    posting = true;
    sent ??= await io.post(marker);
  } catch (err) {
    // After a takeover the dead sender's message may exist: keep the key marked for reconciling.
    const surelyUnsent =
      !claim.takeover &&
      posting &&
      (err instanceof ChatwootInputError ||
        (err instanceof ChatwootApiError && NOT_CREATED.includes(err.code)));
    await store.release(key, owner, surelyUnsent ? "unsent" : "unknown").catch(() => undefined);
    throw err;
  } finally {
    stop();
  }
  // A failed write leaves the claim to expire; the next sender then finds this message.
  await store.complete(key, owner, JSON.stringify(sent)).catch(() => undefined);
  return sent;
}
