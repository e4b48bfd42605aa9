import type { Logger } from "../../util/logger.js";
import { type ClaimResult, claimOrWait, keepClaim, newClaimOwner } from "../../util/send-claims.js";
import { EmailDedupError } from "./errors.js";
import { decodeSentRecord, encodeSentRecord, type SentRecord } from "./sent-keys.js";
import type { EmailDedupStore, EmailSendResult, OutgoingEmail } from "./types.js";

export interface ClaimedSendContext {
  store: EmailDedupStore;
  leaseMs: number;
  waitMs: number;
  /** How long the sent key is remembered. */
  ttlMs: number;
  logger: Logger;
  scrub(text: string): string;
  /** Sends through the provider chain. */
  send(message: OutgoingEmail): Promise<EmailSendResult>;
}

/** Sent (or refused) by this call, with what to remember; or sent before, by whoever holds the record. */
export type ClaimedSendOutcome = { result: EmailSendResult; record?: SentRecord } | { duplicate: SentRecord };

const refusal = (message: string, code: string, retriable: boolean): EmailSendResult => ({
  success: false,
  provider: null,
  messageId: null,
  error: message,
  errorCode: code,
  attempts: 0,
  retriable,
});

/**
 * Sends `message` once for `key` across processes: claims the key first, so of several processes
 * sending it at once exactly one sends; the others get its result, or after `waitMs` an
 * IN_PROGRESS refusal (retriable). A failed send gives the key back so a retry may send.
 *
 * A claim whose sender died (lease run out) is taken over and the email sent again: no provider can
 * be asked whether the first one went out. The Message-ID derived from the key is the same, so a
 * duplicate is recognisably the same message, and the result says `resentAfterExpiredClaim`.
 */
export async function sendClaimed(
  ctx: ClaimedSendContext,
  message: OutgoingEmail,
  key: string,
): Promise<ClaimedSendOutcome> {
  const { store, logger } = ctx;
  const owner = newClaimOwner();
  let claim: ClaimResult;
  try {
    claim = await claimOrWait(store, key, owner, { leaseMs: ctx.leaseMs, waitMs: ctx.waitMs });
  } catch (err) {
    const e = new EmailDedupError(
      `cannot tell whether this email was already sent: the dedup store failed (${(err as Error).message}); retry later`,
    );
    logger.error("email dedup store unavailable", { error: ctx.scrub(e.message) });
    return { result: refusal(ctx.scrub(e.message), e.code, e.retriable) };
  }
  if (claim.status === "done") {
    const parsed = decodeSentRecord(claim.result);
    return {
      duplicate: {
        provider: parsed.provider ?? "unknown",
        messageId: parsed.messageId ?? message.messageId,
        ...(parsed.resentAfterExpiredClaim ? { resentAfterExpiredClaim: true } : {}),
      },
    };
  }
  if (claim.status === "busy") {
    logger.warn("email with this idempotency key is being sent by another process", { waitedMs: ctx.waitMs });
    const text = `another process is sending this email (idempotency key "${key}") right now; try again shortly`;
    return { result: refusal(text, "IN_PROGRESS", true) };
  }
  if (claim.takeover)
    logger.warn("email claim expired (its sender died); sending again with the same Message-ID", {
      messageId: message.messageId,
    });
  const stop = keepClaim(store, key, owner, ctx.leaseMs);
  let result: EmailSendResult;
  try {
    result = await ctx.send(message);
  } finally {
    stop();
  }
  if (claim.takeover) result.resentAfterExpiredClaim = true;
  if (!(result.success && result.provider && result.messageId)) {
    // Nothing was accepted: give the key back so a retry may send (still marked as taken over,
    // when it was, so the retry is recorded as a re-send too).
    await store.release(key, owner, claim.takeover ? "unknown" : "unsent").catch((err: unknown) =>
      logger.error("email claim could not be released; it expires with its lease", {
        error: ctx.scrub((err as Error).message),
      }),
    );
    return { result };
  }
  const record: SentRecord = { provider: result.provider, messageId: result.messageId };
  if (claim.takeover) record.resentAfterExpiredClaim = true;
  try {
    const kept = await store.complete(key, owner, encodeSentRecord(record), ctx.ttlMs);
    if (!kept) logger.error("email sent after its claim was taken over by another process", { ...record });
  } catch (err) {
    logger.error("email sent but its idempotency key could not be stored", {
      error: ctx.scrub((err as Error).message),
    });
  }
  return { result, record };
}
