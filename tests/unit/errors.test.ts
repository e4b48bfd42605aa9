import { describe, expect, it } from "vitest";
import { InvalidAgentInputError } from "../../src/agents/errors.js";
import { AuditError, AuditStoreError } from "../../src/audit/errors.js";
import { ConfigError } from "../../src/config/index.js";
import { SagaError, StepFailedError } from "../../src/saga/errors.js";
import {
  CalendarApiError,
  InvalidBookingError,
  SlotUnavailableError,
} from "../../src/services/calendar/errors.js";
import { ChatwootApiError, ChatwootInputError } from "../../src/services/chatwoot/errors.js";
import {
  EmailConfigError,
  EmailDedupError,
  EmailSendError,
  EmailTemplateError,
  EmailValidationError,
} from "../../src/services/email/errors.js";
import { EmbeddingsError, KnowledgeLoadError } from "../../src/services/knowledge/errors.js";
import {
  MediaFetchError,
  MultimediaNotConfiguredError,
  MultimediaProviderError,
} from "../../src/services/multimedia/errors.js";
import { TicketInputError, TicketNotFoundError } from "../../src/services/tickets/errors.js";
import { OutcomeUnknownError } from "../../src/tools/attempt.js";
import { ToolError } from "../../src/tools/errors.js";
import { AgentLedgerError, isAgentLedgerError } from "../../src/util/errors.js";
import { isTransientError } from "../../src/util/retry.js";

describe("AgentLedgerError", () => {
  const cases: [AgentLedgerError, string, string, boolean][] = [
    [new AuditError("NOT_FOUND", "no such entry"), "AuditError", "NOT_FOUND", false],
    [new AuditStoreError("logAction", new Error("down")), "AuditStoreError", "STORE_UNAVAILABLE", true],
    [new SagaError("STORE_UNAVAILABLE", "down"), "SagaError", "STORE_UNAVAILABLE", true],
    [new StepFailedError("no", null, false), "StepFailedError", "STEP_FAILED", false],
    [new ToolError("TOOL_FAILED", "boom", true), "ToolError", "TOOL_FAILED", true],
    [new InvalidBookingError("date", "YYYY-MM-DD"), "InvalidBookingError", "INVALID_BOOKING", false],
    [new SlotUnavailableError("2030-01-07", "10:00", []), "SlotUnavailableError", "SLOT_TAKEN", false],
    [new CalendarApiError("503", "insert", true, 503), "CalendarApiError", "CALENDAR_API_ERROR", true],
    [new ChatwootApiError("429", 429, "RATE_LIMITED", true), "ChatwootApiError", "RATE_LIMITED", true],
    [new ChatwootInputError("message", "text"), "ChatwootInputError", "INVALID_INPUT", false],
    [
      new EmailSendError({ code: "EMAIL_REJECTED", retriable: false, provider: "smtp", message: "550" }),
      "EmailSendError",
      "EMAIL_REJECTED",
      false,
    ],
    [new EmailValidationError("to_email", "bad"), "EmailValidationError", "EMAIL_INVALID_INPUT", false],
    [
      new EmailTemplateError("EMAIL_TEMPLATE_UNKNOWN", "no such template"),
      "EmailTemplateError",
      "EMAIL_TEMPLATE_UNKNOWN",
      false,
    ],
    [new EmailConfigError("sendgridApiKey", "missing"), "EmailConfigError", "EMAIL_CONFIG_INVALID", false],
    [new EmailDedupError("down"), "EmailDedupError", "EMAIL_DEDUP_UNAVAILABLE", true],
    [new KnowledgeLoadError("empty"), "KnowledgeLoadError", "KNOWLEDGE_LOAD_FAILED", false],
    [new EmbeddingsError("500", true, 500), "EmbeddingsError", "KNOWLEDGE_EMBEDDINGS_FAILED", true],
    [new MultimediaNotConfiguredError("transcribe"), "MultimediaNotConfiguredError", "NOT_CONFIGURED", false],
    [
      new MediaFetchError("gone", "MEDIA_UNAVAILABLE", false, 404),
      "MediaFetchError",
      "MEDIA_UNAVAILABLE",
      false,
    ],
    [
      new MultimediaProviderError("busy", "RATE_LIMITED", true, 429),
      "MultimediaProviderError",
      "RATE_LIMITED",
      true,
    ],
    [new TicketInputError("subject", "text"), "TicketInputError", "INVALID_INPUT", false],
    [new TicketNotFoundError("t1"), "TicketNotFoundError", "NOT_FOUND", false],
    [new ConfigError(["REDIS_URL: bad"]), "ConfigError", "CONFIG_INVALID", false],
    [
      new InvalidAgentInputError("locale", "es or en"),
      "InvalidAgentInputError",
      "AGENT_INVALID_INPUT",
      false,
    ],
    [new OutcomeUnknownError(10, 5, new Promise(() => {})), "OutcomeUnknownError", "OUTCOME_UNKNOWN", false],
  ];

  it.each(cases)("%s keeps its name, code and retriable flag", (err, name, code, retriable) => {
    expect(err).toBeInstanceOf(AgentLedgerError);
    expect(err).toBeInstanceOf(Error);
    expect(isAgentLedgerError(err)).toBe(true);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.retriable).toBe(retriable);
    // The retry policy reads the flag from the shared base.
    expect(isTransientError(err)).toBe(retriable);
  });

  it("does not claim foreign errors", () => {
    expect(isAgentLedgerError(new Error("x"))).toBe(false);
    expect(isAgentLedgerError({ code: "X", retriable: true })).toBe(false);
  });
});
