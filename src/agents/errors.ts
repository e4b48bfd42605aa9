import { isValidTimeZone } from "../services/calendar/time-zone.js";
import { isClockTime } from "../services/calendar/validation.js";
import { AgentLedgerError } from "../util/errors.js";
import { TreatmentCatalogue } from "./offline/treatments.js";
import type { AgentInput } from "./types.js";

/** An agent option or an agent input is missing or out of range; `field` names it. */
export class InvalidAgentInputError extends AgentLedgerError {
  override readonly name = "InvalidAgentInputError";
  readonly code = "AGENT_INVALID_INPUT";
  readonly retriable = false;
  constructor(
    readonly field: string,
    expected: string,
  ) {
    super(`invalid ${field}: expected ${expected}`);
  }
}

export function isInvalidAgentInputError(err: unknown): err is InvalidAgentInputError {
  return err instanceof InvalidAgentInputError;
}

/** Checks the schedule agent's settings once, at construction. */
export function checkScheduleOptions(options: {
  catalogue?: unknown;
  slotMinutes?: number | undefined;
  hours?: { open: string; close: string } | undefined;
  horizonDays?: number | undefined;
}): void {
  if (!(options?.catalogue instanceof TreatmentCatalogue)) {
    throw new InvalidAgentInputError("catalogue", "a TreatmentCatalogue (loadTreatmentCatalogue())");
  }
  const { slotMinutes, hours, horizonDays } = options;
  if (slotMinutes !== undefined && (!Number.isInteger(slotMinutes) || slotMinutes < 5 || slotMinutes > 240)) {
    throw new InvalidAgentInputError("slotMinutes", "a whole number of minutes from 5 to 240");
  }
  if (
    hours !== undefined &&
    (!isClockTime(hours?.open ?? "") || !isClockTime(hours?.close ?? "") || hours.open >= hours.close)
  ) {
    throw new InvalidAgentInputError(
      "hours",
      'HH:MM open and close times, open first, e.g. { open: "09:00", close: "20:00" }',
    );
  }
  if (horizonDays !== undefined && (!Number.isInteger(horizonDays) || horizonDays < 0 || horizonDays > 60)) {
    throw new InvalidAgentInputError("horizonDays", "a whole number of days from 0 to 60");
  }
}

/** Checks what every agent relies on in a turn's input. */
export function checkAgentInput(input: AgentInput): void {
  if (typeof input?.text !== "string")
    throw new InvalidAgentInputError("text", "the customer's message as a string");
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) {
    throw new InvalidAgentInputError("now", "a valid Date (the clock of this turn)");
  }
  if (typeof input.timeZone !== "string" || !isValidTimeZone(input.timeZone)) {
    throw new InvalidAgentInputError("timeZone", "an IANA time zone such as Europe/Madrid");
  }
  if (input.locale !== "es" && input.locale !== "en")
    throw new InvalidAgentInputError("locale", '"es" or "en"');
  if (!input.sharedContext || typeof input.sharedContext !== "object") {
    throw new InvalidAgentInputError("sharedContext", "{ customer, appointment, ticket }");
  }
}
