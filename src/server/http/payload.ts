import { z } from "zod";

/**
 * The parts of a Chatwoot `message_created` delivery the server reads; every other field is
 * accepted and dropped from the parsed result (Chatwoot adds fields between versions).
 */

/** A zod error option: "missing, expected X" when the field is absent, "expected X" otherwise. */
function expecting(what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `missing, expected ${what}` : `expected ${what}`,
  };
}

const positiveId = z.int(expecting("a positive integer id")).positive("expected a positive integer id");
const text = (what: string, max: number) =>
  z.string(expecting(what)).max(max, `longer than ${max} characters`);
const httpUrl = z
  .string(expecting("an http(s) URL"))
  .max(4096, "longer than 4096 characters")
  .refine((v) => v === "" || (/^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v)), "expected an http(s) URL");

const SenderSchema = z.object(
  {
    id: positiveId,
    type: text("a sender type (contact, user, agent_bot)", 40),
    name: text("a string", 500).nullish(),
    phone_number: text("a phone number string", 64).nullish(),
  },
  expecting("an object"),
);

const AttachmentSchema = z.object(
  {
    file_type: text("a file type (image, audio, ...)", 40),
    data_url: httpUrl.nullish(),
    extension: text("a string", 40).nullish(),
  },
  expecting("an object"),
);

export const MessageCreatedSchema = z.object(
  {
    event: z.literal("message_created"),
    id: positiveId,
    content: z.string(expecting("a string or null")).nullish(),
    message_type: text("a message type (incoming, outgoing, template)", 40),
    private: z.boolean(expecting("true or false")).optional(),
    sender: SenderSchema,
    conversation: z.object(
      {
        id: positiveId,
        status: text("a conversation status (pending, open, ...)", 40),
        meta: z
          .object(
            { assignee: z.object({}, expecting("an object or null")).nullish() },
            expecting("an object"),
          )
          .optional(),
      },
      expecting("an object"),
    ),
    account: z.object({ id: positiveId }, expecting("an object")),
    attachments: z
      .array(AttachmentSchema, expecting("an array"))
      .max(50, "more than 50 attachments")
      .optional(),
  },
  expecting("an object"),
);

export type MessageCreated = z.infer<typeof MessageCreatedSchema>;

/** The first problem of a failed parse as `field: what is expected`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid payload";
  const path = issue.path.map(String).join(".") || "body";
  return `${path}: ${issue.message}`;
}

const AccountSchema = z.object(
  { account: z.object({ id: positiveId }, expecting("an object")) },
  expecting("a JSON object"),
);

/** `account.id` of a parsed body, or a reason naming what is wrong with it. */
export function accountIdOf(body: unknown): { ok: true; id: number } | { ok: false; reason: string } {
  const parsed = AccountSchema.safeParse(body);
  return parsed.success
    ? { ok: true, id: parsed.data.account.id }
    : { ok: false, reason: firstIssue(parsed.error) };
}
