import { createHash } from "node:crypto";
import { newId } from "../../util/ids.js";
import { EmailValidationError } from "./errors.js";
import { htmlToText } from "./plain-text.js";
import type { OutgoingEmail, ResolvedEmailConfig } from "./types.js";
import { addressList, checkIdempotencyKey, checkSubject, optionalString } from "./validation.js";

export interface ComposeInput {
  toEmail: unknown;
  subject: unknown;
  bodyHtml?: unknown;
  bodyText?: unknown;
  cc?: unknown;
  bcc?: unknown;
  replyTo?: unknown;
  idempotencyKey?: unknown;
}

/** A stable token for an idempotency key within a tenant (hex, 32 characters). */
export function idempotencyDigest(companyId: string, key: string): string {
  return createHash("sha256").update(`${companyId}\n${key}`).digest("hex").slice(0, 32);
}

/**
 * Checks the input and builds the message every transport receives. Throws EmailValidationError
 * naming the field; nothing has been sent at that point. With an idempotency key the Message-ID
 * and the `X-Idempotency-Key` header are derived from it, so every retry, failover or repeat of
 * the same logical email carries the same id and receivers or providers can drop duplicates.
 */
export function composeMessage(
  config: Pick<ResolvedEmailConfig, "companyId" | "fromEmail" | "fromName">,
  input: ComposeInput,
): { message: OutgoingEmail; idempotencyKey?: string } {
  if (typeof input !== "object" || input === null)
    throw new EmailValidationError("input", "expected an object");
  const to = addressList("toEmail", input.toEmail, true);
  const cc = addressList("cc", input.cc, false);
  const bcc = addressList("bcc", input.bcc, false);
  if (input.replyTo !== undefined && input.replyTo !== null && typeof input.replyTo !== "string") {
    throw new EmailValidationError("replyTo", "expected one email address");
  }
  const [replyTo] = addressList("replyTo", input.replyTo, false);
  const subject = checkSubject(input.subject);
  const bodyHtml = optionalString("bodyHtml", input.bodyHtml)?.trim() ?? "";
  const bodyText = optionalString("bodyText", input.bodyText)?.trim() ?? "";
  if (bodyHtml === "" && bodyText === "") {
    throw new EmailValidationError("bodyHtml", "expected a non-empty HTML body (or a non-empty bodyText)");
  }
  const text = bodyText !== "" ? bodyText : htmlToText(bodyHtml);
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
  const domain = config.fromEmail.slice(config.fromEmail.lastIndexOf("@") + 1);
  const headers: Record<string, string> = {};
  let messageId: string;
  if (idempotencyKey !== undefined) {
    const digest = idempotencyDigest(config.companyId, idempotencyKey);
    headers["X-Idempotency-Key"] = digest;
    messageId = `<${digest}@${domain}>`;
  } else {
    messageId = `<${newId().toLowerCase()}@${domain}>`;
  }
  const message: OutgoingEmail = {
    from: config.fromName ? { email: config.fromEmail, name: config.fromName } : { email: config.fromEmail },
    to,
    cc,
    bcc,
    subject,
    text,
    messageId,
    headers,
  };
  if (replyTo !== undefined) message.replyTo = replyTo;
  if (bodyHtml !== "") message.html = bodyHtml;
  return idempotencyKey !== undefined ? { message, idempotencyKey } : { message };
}
