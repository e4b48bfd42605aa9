import { CalendarApiError } from "./errors.js";

/** The parts of a googleapis (gaxios) error we classify by. Only these are kept: the raw error holds the token. */
interface HttpFailure {
  status?: number;
  reason?: string;
  message?: string;
  code?: string;
}

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

function isGaxiosError(err: unknown): err is {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown; data?: unknown };
} {
  return typeof err === "object" && err !== null && "config" in err && err instanceof Error;
}

function failureOf(err: unknown): HttpFailure | null {
  if (!isGaxiosError(err)) return null;
  const status = [err.status, err.response?.status].find((v): v is number => typeof v === "number");
  const body = (err.response?.data ?? {}) as {
    error?: { message?: unknown; errors?: { reason?: unknown }[] };
  };
  const reason = body.error?.errors?.[0]?.reason;
  return {
    ...(status !== undefined && { status }),
    ...(typeof reason === "string" && { reason }),
    ...(typeof body.error?.message === "string" && { message: body.error.message }),
    ...(networkCode(err) !== undefined && { code: networkCode(err) }),
  };
}

/** gaxios puts fetch's failure in `cause`, and the socket error (ECONNREFUSED...) one level deeper. */
function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The HTTP status of a googleapis error, if the server answered. */
export function httpStatusOf(err: unknown): number | undefined {
  return failureOf(err)?.status;
}

/**
 * Turns a googleapis error into a CalendarApiError that says whether a retry can help:
 * 429, 408, 5xx, 403 rateLimitExceeded, time-outs and network failures are retriable;
 * 400, 401, other 403s and 404 are final. Anything that is not a googleapis error is returned as is.
 */
export function toCalendarApiError(err: unknown, operation: string, calendarId: string): unknown {
  const f = failureOf(err);
  if (!f) return err;
  const { status, reason } = f;
  if (status === undefined) {
    const timedOut = f.code === "TimeoutError" || f.code === "ETIMEDOUT";
    const what = timedOut ? "timed out" : `could not reach Google Calendar (${f.code ?? "network error"})`;
    return new CalendarApiError(
      `Google Calendar ${operation} ${what}. Retry with the same event id: a booking that was created meanwhile is found, not duplicated.`,
      operation,
      true,
      undefined,
      f.code,
    );
  }
  const rateLimited =
    status === 429 || (status === 403 && reason !== undefined && RATE_LIMIT_REASONS.has(reason));
  const retriable = rateLimited || status === 408 || status >= 500;
  const detail = `HTTP ${status}${reason ? ` ${reason}` : ""}${f.message ? `: ${f.message}` : ""}`;
  return new CalendarApiError(
    `Google Calendar ${operation} failed (${detail}). ${hint(status, rateLimited, retriable, calendarId)}`,
    operation,
    retriable,
    status,
    reason,
  );
}

/** A calendar-level error inside a freeBusy answer (`calendars[id].errors`). */
export function freeBusyCalendarError(reason: string | undefined, calendarId: string): CalendarApiError {
  const retriable = reason === "backendError" || reason === "internalError";
  const text =
    reason === "notFound"
      ? `calendar ${calendarId} was not found or is not shared with these credentials; check calendarId and share the calendar`
      : `calendar ${calendarId} could not be read (${reason ?? "unknown reason"})`;
  return new CalendarApiError(
    `Google Calendar freeBusy failed: ${text}.`,
    "freeBusy",
    retriable,
    undefined,
    reason,
  );
}

function hint(status: number, rateLimited: boolean, retriable: boolean, calendarId: string): string {
  if (rateLimited) return "Rate limit reached: retry later with backoff.";
  if (retriable) return "Temporary failure on Google's side: retry later with backoff.";
  if (status === 401) return "The access token or service account credentials were refused: renew them.";
  if (status === 403)
    return `These credentials may not write to calendar ${calendarId}: share the calendar with them.`;
  if (status === 404) return `Calendar ${calendarId} was not found: check the calendar id.`;
  return "The request was refused as invalid: do not retry it unchanged.";
}
