import { z } from "zod";

/** YYYY-MM-DD that names a real calendar day. */
export const DateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, "expected a real calendar date");

export const TimeString = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected a time as HH:MM (24 h)");

export const Email = z.email({ message: "expected an email address" });

/** Chatwoot conversation display ids arrive as numbers or numeric strings. */
export const ConversationId = z.coerce
  .number({ message: "expected a Chatwoot conversation id (a positive whole number)" })
  .int("expected a Chatwoot conversation id (a positive whole number)")
  .positive("expected a Chatwoot conversation id (a positive whole number)");

/** Formats zod issues as "field: what is expected" lines. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(parameters)"}: ${issue.message}`)
    .join("; ");
}
