import type { ChatwootService } from "../../services/chatwoot/index.js";
import { redactSecrets } from "../../util/redaction.js";
import type { IncomingTurn } from "../queue/types.js";
import type { Locale } from "./attachments.js";

/** The label a handed-off conversation gets in Chatwoot. */
export const HANDOFF_LABEL = "bot-handoff";

/** Why the turn failed, short and with no configured secret in it (it is shown to agents). */
export function failureReason(error: unknown, secretValues: readonly string[]): string {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  const name = typeof e?.name === "string" ? e.name : "Error";
  const code = typeof e?.code === "string" ? ` ${e.code}` : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  const short = message.length > 240 ? `${message.slice(0, 240)}…` : message;
  return redactSecrets(`${name}${code}: ${short}`, { secretValues }) as string;
}

function note(locale: Locale, attempts: number, reason: string): string {
  return locale === "en"
    ? `The assistant could not answer this customer message after ${attempts} attempts, so a person should take over the conversation. Reason: ${reason}`
    : `El asistente no pudo responder a este mensaje del cliente tras ${attempts} intentos, así que una persona debe continuar la conversación. Motivo: ${reason}`;
}

/**
 * Hands the conversation to a person: status `open` (the bot stays silent there), the hand-off
 * label and a private note saying why. Each step is idempotent (the status and label are set, not
 * toggled; the note has an idempotency key), so a retried or redelivered hand-off does it once.
 * Each step is tried up to `tries` times.
 */
export async function handOff(
  chatwoot: ChatwootService,
  turn: IncomingTurn,
  why: { attempts: number; reason: string; locale: Locale; label?: string; tries?: number },
): Promise<void> {
  const tries = why.tries ?? 3;
  const step = async <T>(run: () => Promise<T>): Promise<T> => {
    for (let i = 1; ; i++) {
      try {
        return await run();
      } catch (err) {
        if (i >= tries) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** (i - 1)));
      }
    }
  };
  await step(() => chatwoot.toggleStatus(turn.conversationId, "open"));
  await step(() => chatwoot.addLabels(turn.conversationId, [why.label ?? HANDOFF_LABEL]));
  await step(() =>
    chatwoot.sendMessage({
      conversationId: turn.conversationId,
      content: note(why.locale, why.attempts, why.reason),
      private: true,
      idempotencyKey: `handoff:${turn.companyId}:${turn.messageId}`,
    }),
  );
}
