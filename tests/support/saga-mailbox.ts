import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { SagaView } from "../../src/saga/types.js";

export interface ReceivedMail {
  to: string[];
  subject: string;
}

/** A real SMTP server (smtp-server) that keeps what the crash-test workers send, for counting. */
export interface SagaMailbox {
  port: number;
  messages: ReceivedMail[];
  /** One line per (recipient, subject) received more than once. */
  duplicates(): string[];
  /** One line per completed booking saga whose patient got no email. */
  missingConfirmations(sagas: SagaView[]): string[];
  close(): Promise<void>;
}

export async function startSagaMailbox(): Promise<SagaMailbox> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // Pooled clients keep their connections open; do not wait for them on close.
    closeTimeout: 100,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject ?? "",
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // Workers are SIGKILLed mid-conversation: their connections reset, which is expected here.
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    duplicates() {
      const counts = new Map<string, number>();
      for (const m of messages)
        for (const to of m.to)
          counts.set(`${to} | ${m.subject}`, (counts.get(`${to} | ${m.subject}`) ?? 0) + 1);
      return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `email sent ${n} times: ${k}`);
    },
    missingConfirmations(sagas) {
      const got = new Set(messages.flatMap((m) => m.to));
      return sagas
        .filter((s) => s.status === "completed" && !got.has(`patient-${s.conversationId}@example.com`))
        .map((s) => `completed saga ${s.sagaId} sent no confirmation email`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
