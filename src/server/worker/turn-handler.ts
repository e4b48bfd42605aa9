import type { App } from "../../app.js";
import { tenantConfig } from "../../config/index.js";
import type { ConverseResult } from "../../graph/converse.js";
import type { ChatwootService } from "../../services/chatwoot/index.js";
import type { Logger } from "../../util/logger.js";
import { NO_OBSERVER, type ServiceObserver, type TurnOutcome } from "../observer.js";
import type { AttemptInfo, IncomingTurn, TurnHandler } from "../queue/types.js";
import { messageText, onlyTextReply, unreadNote } from "./attachments.js";
import { failureReason, HANDOFF_LABEL, handOff } from "./hand-off.js";

/** What a turn needs of the App. */
export type TurnApp = Pick<App, "config" | "logger" | "tenant" | "converse">;

export interface TurnHandlerOptions {
  observer?: ServiceObserver;
  logger?: Logger;
  /** The Chatwoot label of a conversation handed to a person. Default `bot-handoff`. */
  handoffLabel?: string;
  /**
   * How long the reply waits while another process holds its send claim (ms). A live sender finishes
   * soon; a dead one's claim lapses after the Chatwoot service's claim lease (30 s), after which the
   * reply is reconciled and posted once. Default 45 s.
   */
  sendPatienceMs?: number;
}

/**
 * Posts the reply under its idempotency key. While another process holds the key's send claim (it
 * is posting the same reply, or died doing so) the send is tried again until `patienceMs` passed,
 * instead of spending the turn's attempts on it.
 */
async function postReply(
  chatwoot: ChatwootService,
  turn: IncomingTurn,
  content: string,
  patienceMs: number,
): Promise<void> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      await chatwoot.sendMessage({
        conversationId: turn.conversationId,
        content,
        idempotencyKey: replyKey(turn),
      });
      return;
    } catch (err) {
      const busy = (err as { code?: unknown }).code === "IN_PROGRESS";
      if (!busy || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The idempotency key of a message's reply: however often the turn runs, one reply is posted. */
export function replyKey(turn: Pick<IncomingTurn, "companyId" | "messageId">): string {
  return `reply:${turn.companyId}:${turn.messageId}`;
}

/**
 * The worker's turn: the message's attachments as text (voice notes transcribed, images described),
 * then `app.converse` with the message id (a redelivered message does not run twice), then the reply
 * posted through the tenant's Chatwoot service with an idempotency key (one reply per message, across
 * processes). A failure is thrown to be retried; on the final attempt the conversation is handed to a
 * person instead (status open, a label, a private note), so no customer is left unanswered.
 *
 * @example
 * const queue = new MemoryTurnQueue({ handler: createTurnHandler(app, { observer }) });
 */
export function createTurnHandler(app: TurnApp, options: TurnHandlerOptions = {}): TurnHandler {
  const observer = options.observer ?? NO_OBSERVER;
  const baseLogger = options.logger ?? app.logger;
  return async (turn: IncomingTurn, info: AttemptInfo): Promise<void> => {
    const started = Date.now();
    const log = baseLogger.child({
      companyId: turn.companyId,
      conversationId: turn.conversationId,
      messageId: turn.messageId,
    });
    let result: ConverseResult | null = null;
    const report = (outcome: TurnOutcome) => {
      const now = Date.now();
      try {
        observer.turn({
          companyId: turn.companyId,
          outcome,
          durationMs: now - started,
          ageMs: Math.max(0, now - turn.receivedAt),
          agent: result?.agent ?? null,
          toolOutcomes: (result?.toolOutcomes ?? []).map((o) => ({
            tool: o.tool,
            action: o.action,
            ok: o.success,
          })),
          compensations: (result?.toolOutcomes ?? []).filter((o) => o.node === "rollback" && o.success)
            .length,
          sagaStatus: result?.sagaStatus ?? null,
        });
      } catch {
        // An observer never stops a turn.
      }
    };
    try {
      const runtime = await app.tenant(turn.companyId);
      const locale = tenantConfig(app.config, turn.companyId).locale;
      const message = await messageText(turn, {
        executor: runtime.executor,
        multimedia: Boolean(app.config.env.OPENAI_API_KEY),
        locale,
      });
      let reply: string;
      if (message.text === "") {
        reply = turn.attachments.length > 0 ? onlyTextReply(locale) : "";
      } else {
        result = await app.converse({
          companyId: turn.companyId,
          conversationId: turn.conversationId,
          userId: turn.userId,
          text: message.text,
          messageId: turn.messageId,
        });
        reply = result.reply.trim();
        if (reply !== "" && message.unread.length > 0) reply = `${unreadNote(locale)}\n\n${reply}`;
      }
      if (reply === "") {
        log.info("turn: no answer to post", { attempt: info.attempt });
        report("silent");
        return;
      }
      await postReply(runtime.chatwoot, turn, reply, options.sendPatienceMs ?? 45_000);
      log.info("turn: replied", {
        attempt: info.attempt,
        agent: result?.agent ?? null,
        sagaStatus: result?.sagaStatus ?? null,
        ms: Date.now() - started,
      });
      report("replied");
    } catch (err) {
      const reason = failureReason(err, app.config.secretValues);
      if (!info.final) {
        log.warn("turn: failed, will retry", { attempt: info.attempt, of: info.maxAttempts, reason });
        report("retry");
        throw err;
      }
      log.error("turn: failed on the last attempt, handing the conversation to a person", {
        attempt: info.attempt,
        reason,
      });
      const runtime = await app.tenant(turn.companyId);
      await handOff(runtime.chatwoot, turn, {
        attempts: info.attempt,
        reason,
        locale: tenantConfig(app.config, turn.companyId).locale,
        label: options.handoffLabel ?? HANDOFF_LABEL,
      }).catch((handOffError: unknown) => {
        log.error("turn: the hand-off failed too; nobody has answered this message", {
          reason: failureReason(handOffError, app.config.secretValues),
        });
        throw handOffError;
      });
      report("handed_off");
    }
  };
}
