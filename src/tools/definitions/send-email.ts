import { z } from "zod";
import type { RefusedRecipient } from "../../services/email/index.js";
import { defineTool } from "../define-tool.js";
import { ToolError } from "../errors.js";
import { Email } from "../schemas.js";

const Addresses = z.union([Email, z.array(Email)]).optional();

const schema = z
  .object({
    to_email: Email,
    subject: z.string().min(1, "expected a subject").max(300).optional(),
    body_html: z.string().min(1).optional(),
    body_text: z.string().optional(),
    template_name: z.string().min(1).optional(),
    template_vars: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    locale: z.enum(["es", "en"]).optional(),
    cc: Addresses,
    bcc: Addresses,
    reply_to: Email.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.template_name) return;
    if (!p.subject)
      ctx.addIssue({ code: "custom", path: ["subject"], message: "required unless template_name is given" });
    if (!p.body_html && !p.body_text)
      ctx.addIssue({
        code: "custom",
        path: ["body_html"],
        message: "required (or body_text) unless template_name is given",
      });
  });
export interface SendEmailResult {
  success: boolean;
  provider: string | null;
  messageId: string | null;
  error: string | null;
  errorCode?: string;
  retriable?: boolean;
  attempts: number;
  /** The recipients who have the message. */
  accepted?: string[];
  /** Recipients the provider refused (a refused cc or bcc does not fail the send). */
  refused?: RefusedRecipient[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Sends an email (raw or from a template such as appointment_confirmation). */
export const sendEmailTool = defineTool({
  name: "send_email",
  description:
    "Send an email to the customer: either {to_email, subject, body_html} or {to_email, template_name, template_vars} with templates appointment_confirmation, appointment_reminder, appointment_cancellation; template_vars: customer_name, appointment_date, appointment_time, treatment (clinic_name, clinic_phone optional).",
  actionType: "notification",
  service: "email",
  schema,
  actionName: (p) => (p.template_name ? `send_email.${p.template_name}` : "send_email"),
  async run(p, s, ctx): Promise<SendEmailResult> {
    const common = {
      cc: list(p.cc),
      bcc: list(p.bcc),
      replyTo: p.reply_to,
      idempotencyKey: ctx.idempotencyKey,
    };
    const res = (
      p.template_name
        ? await s.email.sendTemplateEmail({
            toEmail: p.to_email,
            templateName: p.template_name,
            templateVars: Object.fromEntries(
              Object.entries(p.template_vars ?? {}).map(([k, v]) => [k, String(v)]),
            ),
            ...(p.locale ? { locale: p.locale } : {}),
            ...common,
          })
        : await s.email.sendEmail({
            toEmail: p.to_email,
            subject: p.subject as string,
            bodyHtml: p.body_html ?? "",
            bodyText: p.body_text,
            ...common,
          })
    ) as SendEmailResult;
    // Another process is sending this key right now: a later retry gets its result.
    if (!res.success && res.errorCode === "IN_PROGRESS")
      throw new ToolError("IN_PROGRESS", res.error ?? "this email is being sent by another process", true);
    // The email service has already retried and failed over; a failure here is final.
    if (!res.success) throw new ToolError("EMAIL_FAILED", res.error ?? "email could not be sent", false);
    return res;
  },
});
