import { z } from "zod";
import { isCalendarDate } from "../offline/clock.js";

/**
 * What the model must answer in structured output. Every field is required and nullable (the
 * shape OpenAI's strict structured outputs accept); the model's answer is validated again with
 * the same schema before anything uses it.
 */

/** The router's decision. */
export const RouteSchema = z
  .object({
    agent: z.enum(["sales", "schedule", "support"]).describe("The agent that answers the message"),
    intent: z
      .string()
      .regex(/^(sales|schedule|support)\.[a-z_]{1,40}$/, "expected <agent>.<detail>, e.g. schedule.book")
      .describe("<agent>.<detail>, e.g. schedule.book, sales.price, support.complication"),
    locale: z.enum(["es", "en"]).describe("The language of the customer's message"),
  })
  .refine((r) => r.intent.startsWith(`${r.agent}.`), {
    message: "expected an intent of the chosen agent",
    path: ["intent"],
  });
export type Route = z.infer<typeof RouteSchema>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The slots the schedule agent's reader asks the model for (plain types and simple patterns, which
 * every OpenAI-compatible server accepts as a JSON schema).
 */
export const ExtractionRequestSchema = z.object({
  treatment: z.string().nullable().describe("The treatment, as named in the catalogue"),
  date: z.string().regex(DATE).nullable().describe("YYYY-MM-DD"),
  time: z.string().regex(TIME).nullable().describe("HH:MM, 24 h"),
  customer_name: z.string().nullable().describe("The customer's name, when given"),
  customer_email: z.string().nullable().describe("The customer's email, when given"),
  confirmation: z.enum(["yes", "no"]).nullable().describe("A yes or no to the assistant's question"),
  action: z.enum(["book", "cancel", "reschedule"]).nullable().describe("What the customer wants to do"),
});

/** The same slots as the schedule agent accepts them: a real date, a 24-hour time, a name, an email. */
export const ExtractionSchema = z.object({
  treatment: z.string().trim().min(2).max(80).nullable(),
  date: z
    .string()
    .regex(DATE, "expected YYYY-MM-DD")
    .refine(isCalendarDate, "expected a date that exists")
    .nullable(),
  time: z.string().regex(TIME, "expected HH:MM (24 h)").nullable(),
  customer_name: z
    .string()
    .trim()
    .min(2)
    .max(80)
    .regex(/^\p{L}[\p{L}\p{M} .'-]*$/u, "expected a person's name")
    .nullable(),
  customer_email: z.email("expected an email address").max(254).nullable(),
  confirmation: z.enum(["yes", "no"]).nullable(),
  action: z.enum(["book", "cancel", "reschedule"]).nullable(),
});
export type Extraction = z.infer<typeof ExtractionSchema>;

/** The arguments of the knowledge_base tool the answering agents offer the model. */
export const KnowledgeSearchSchema = z.object({
  query: z.string().trim().min(1).max(300).describe("What to look for, in Spanish"),
  top_k: z.number().int().min(1).max(8).nullish().describe("How many passages (default 4)"),
});
