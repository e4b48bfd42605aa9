import type { ToolExecutor } from "../../tools/tool-executor.js";
import type { IncomingTurn, TurnAttachment } from "../queue/types.js";

export type Locale = "es" | "en";

/** The text the graph sees for one customer message, and the attachments nobody could read. */
export interface MessageText {
  text: string;
  unread: TurnAttachment[];
}

/** A transcription or image description failed in a way another attempt may fix (provider down). */
export class MediaRetryError extends Error {
  override readonly name = "MediaRetryError";
}

const LABEL: Record<Locale, { audio: string; image: string; prompt: string }> = {
  es: {
    audio: "[audio]",
    image: "[imagen]",
    prompt: "Describe la imagen que envía un cliente de la clínica.",
  },
  en: { audio: "[audio]", image: "[image]", prompt: "Describe the image a clinic customer sent." },
};

/**
 * The message as text: the customer's words, then each voice note transcribed (`[audio] ...`) and
 * each image described (`[imagen] ...`) through the tenant's audited executor, one idempotency key
 * per attachment, so a redelivered message replays the earlier result instead of paying for it
 * again. Without a multimedia provider, or for other file types (video, documents, locations),
 * the attachment is listed as unread. A failure the provider may get over is thrown to be retried.
 */
export async function messageText(
  turn: IncomingTurn,
  deps: { executor: ToolExecutor; multimedia: boolean; locale: Locale },
): Promise<MessageText> {
  const parts = turn.text.trim() === "" ? [] : [turn.text.trim()];
  const unread: TurnAttachment[] = [];
  const label = LABEL[deps.locale];
  for (const [index, attachment] of turn.attachments.entries()) {
    const kind = attachment.fileType;
    if (!deps.multimedia || (kind !== "audio" && kind !== "image")) {
      unread.push(attachment);
      continue;
    }
    const result = await deps.executor.executeTool({
      toolName: kind === "audio" ? "transcribe_audio" : "analyze_image",
      parameters:
        kind === "audio"
          ? { audio_url: attachment.dataUrl }
          : { image_url: attachment.dataUrl, prompt: label.prompt },
      userId: turn.userId,
      conversationId: String(turn.conversationId),
      agentName: "worker",
      idempotencyKey: `media:${turn.companyId}:${turn.messageId}:${index}`,
      tags: ["worker", "attachment"],
    });
    if (!result.success) {
      if (result.retriable) {
        throw new MediaRetryError(`${kind} attachment ${index + 1}: ${result.error ?? "failed"}`);
      }
      unread.push(attachment);
      continue;
    }
    const data = (result.data ?? {}) as { text?: unknown; description?: unknown };
    const said = kind === "audio" ? data.text : data.description;
    if (typeof said === "string" && said.trim() !== "") {
      parts.push(`${kind === "audio" ? label.audio : label.image} ${said.trim()}`);
    } else {
      unread.push(attachment);
    }
  }
  return { text: parts.join("\n"), unread };
}

/** The answer to a message made only of attachments nobody could read. */
export function onlyTextReply(locale: Locale): string {
  return locale === "en"
    ? "Sorry, for now I can only read text messages: I cannot listen to voice notes or open images or files. Could you write your question?"
    : "Disculpe, por ahora solo puedo leer mensajes de texto: no puedo escuchar audios ni abrir imágenes o archivos. ¿Podría escribirme su consulta?";
}

/** The line put before the answer when some attachments of the message could not be read. */
export function unreadNote(locale: Locale): string {
  return locale === "en"
    ? "(I could not open the file you sent; I am answering your text.)"
    : "(No he podido abrir el archivo que envió; respondo a su texto.)";
}
