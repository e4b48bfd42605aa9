import type { Redis } from "ioredis";
import type { AuditManager } from "../../src/audit/audit-manager.js";
import type { SagaToolStepInput } from "../../src/saga/definitions.js";
import { GoogleCalendarService } from "../../src/services/calendar/index.js";
import { EmailService, RedisEmailDedupStore } from "../../src/services/email/index.js";
import { LocalTicketService } from "../../src/services/tickets/index.js";
import { ToolExecutor } from "../../src/tools/tool-executor.js";
import type { RetryPolicy } from "../../src/util/retry.js";
import { type KillSwitch, withKillPoints } from "./saga-kill-switch.js";

/** What a crash-test worker needs to reach the shared world (passed as JSON). */
export interface CrashChildConfig {
  round: number;
  redisUrl: string;
  prefix: string;
  companyId: string;
  calendarUrl: string;
  ticketsPath: string;
  /** SMTP stand-in the confirmation emails go to; null leaves the email step out. */
  smtp: { host: string; port: number } | null;
  leaseMs: number;
  /** Sagas run side by side (each kill interrupts up to this many). */
  concurrency: number;
  /** Die at this kill-switch event; null = only the parent kills. */
  killAt: number | null;
  /** Every n-th saga's ticket step is refused, so rollbacks are interrupted too. */
  failEvery: number;
}

export type CrashChildMessage =
  | { type: "loaded" }
  | { type: "ready" }
  | { type: "recovered"; count: number }
  | { type: "saga"; sagaId: string; status: string };

export const CRASH_TIME_ZONE = "UTC";
/** Every day open 08:00-20:00 in 30-minute slots: 24 slots a day, one per saga. */
export const CRASH_OPENING = { days: [0, 1, 2, 3, 4, 5, 6], open: "08:00", close: "20:00", slotMinutes: 30 };
export const crashRetry: RetryPolicy = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 40, jitter: 0.5 };

/** The slot of saga number n: unique, so bookings never collide. */
export function slotFor(n: number): { date: string; time: string } {
  const day = new Date(Date.UTC(2031, 0, 1) + Math.floor(n / 24) * 86_400_000);
  const minutes = 8 * 60 + (n % 24) * 30;
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return { date: day.toISOString().slice(0, 10), time: `${hh}:${mm}` };
}

export const patientEmail = (n: number) => `patient-${n}@example.com`;

/** The three steps of booking saga number n. */
export function bookingSteps(
  n: number,
  config: Pick<CrashChildConfig, "smtp" | "failEvery">,
): SagaToolStepInput[] {
  const { date, time } = slotFor(n);
  const steps: SagaToolStepInput[] = [
    {
      toolName: "google_calendar",
      parameters: {
        action: "create_booking",
        booking_data: {
          customer_name: `Paciente ${n}`,
          customer_email: patientEmail(n),
          treatment: "Limpieza facial",
          date,
          time,
          duration_minutes: 30,
        },
      },
    },
  ];
  if (config.smtp) {
    steps.push({
      toolName: "send_email",
      parameters: {
        to_email: patientEmail(n),
        template_name: "appointment_confirmation",
        template_vars: {
          customer_name: `Paciente ${n}`,
          appointment_date: date,
          appointment_time: time,
          treatment: "Limpieza facial",
          clinic_name: "Benova",
        },
      },
    });
  }
  steps.push({
    toolName: "create_ticket",
    parameters: {
      conversation_id: n,
      subject: "Seguimiento de la cita",
      description: `Llamar a Paciente ${n} tras la cita del ${date}`,
      // An unknown priority is refused by the tool: the saga rolls back.
      priority: n % config.failEvery === 0 ? "someday" : "low",
    },
  });
  return steps;
}

/** The real services against the stand-ins, with kill points around every call, in an executor. */
export function buildServices(
  config: CrashChildConfig,
  audit: AuditManager,
  redis: Redis,
  ks: KillSwitch,
): { executor: ToolExecutor; tickets: LocalTicketService; email: EmailService | null } {
  const calendar = new GoogleCalendarService({
    calendarId: "primary",
    rootUrl: config.calendarUrl,
    auth: { accessToken: "crash-test-token" },
    timeZone: CRASH_TIME_ZONE,
    openingHours: CRASH_OPENING,
    timeoutMs: 5_000,
  });
  const tickets = new LocalTicketService({ companyId: config.companyId, path: config.ticketsPath });
  const executor = new ToolExecutor({
    companyId: config.companyId,
    auditManager: audit,
    retry: crashRetry,
    timeoutMs: 5_000,
    // Calls' audit leases lapse with the sagas' (renewed while a call runs), so recovery follows kills promptly.
    leaseMs: config.leaseMs,
    tenant: { clinicName: "Benova", locale: "es" },
  });
  executor.setCalendarService(withKillPoints(calendar, ["createBooking", "deleteBooking"], ks));
  executor.setTicketService(withKillPoints(tickets, ["createTicket", "closeTicket"], ks));
  const email = config.smtp ? buildEmailService(config, redis) : null;
  if (email) executor.setEmailService(withKillPoints(email, ["sendEmail", "sendTemplateEmail"], ks));
  return { executor, tickets, email };
}

function buildEmailService(config: CrashChildConfig, redis: Redis): EmailService {
  const smtp = config.smtp as NonNullable<CrashChildConfig["smtp"]>;
  return new EmailService(
    {
      companyId: config.companyId,
      fromEmail: "citas@benova.example",
      fromName: "Benova",
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      useTls: false,
      providers: ["smtp"],
      maxRetries: 1,
      retryDelay: 0.01,
      timeoutMs: 5_000,
    },
    // Sent keys are shared by every worker, as in production; a killed worker's send claim
    // lapses as soon as its sagas' leases do.
    {
      dedupStore: new RedisEmailDedupStore({ redis, companyId: config.companyId, prefix: config.prefix }),
      claimLeaseMs: config.leaseMs,
    },
  );
}
