import { z } from "zod";
import type { SentMessage } from "../../services/chatwoot/index.js";
import { defineTool } from "../define-tool.js";
import { ConversationId } from "../schemas.js";

const schema = z
  .object({
    conversation_id: ConversationId,
    message: z.string().trim().min(1, "expected the message text").max(4096).optional(),
    template: z
      .object({
        name: z.string().min(1),
        category: z.string().default("UTILITY"),
        language: z.string().default("es"),
        params: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
    private: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (!p.message && !p.template)
      ctx.addIssue({ code: "custom", path: ["message"], message: "required unless a template is given" });
  });
/** Sends a WhatsApp message (or a template, outside the 24-hour window) through Chatwoot. */
export const sendWhatsappTool = defineTool({
  name: "send_whatsapp",
  description:
    "Send a WhatsApp message to the customer in a Chatwoot conversation; use a template outside the 24-hour window.",
  actionType: "notification",
  service: "chatwoot",
  schema,
  run: (p, s, ctx): Promise<SentMessage> =>
    s.chatwoot.sendMessage({
      conversationId: p.conversation_id,
      content: p.message ?? "",
      private: p.private,
      idempotencyKey: ctx.idempotencyKey,
      ...(p.template
        ? {
            templateParams: {
              name: p.template.name,
              category: p.template.category,
              language: p.template.language,
              processed_params: { body: p.template.params },
            },
          }
        : {}),
    }),
});
