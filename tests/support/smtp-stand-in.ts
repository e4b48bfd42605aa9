import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/** The SMTP command at which an injected failure answers. */
export type SmtpStage = "MAIL" | "RCPT" | "DATA";

export interface SmtpStandInOptions {
  /** When set, AUTH is required and checked against these username/password pairs. */
  users?: Record<string, string>;
  /**
   * Answer a failed AUTH with a reply that repeats the credentials it got, as a careless server
   * might; lets tests prove that secrets are scrubbed from what the service reports.
   */
  echoCredentialsOnAuthFailure?: boolean;
}

export interface ReceivedSmtpMessage {
  /** SMTP envelope: this is where Bcc recipients are, never in the headers. */
  envelope: { mailFrom: string; rcptTo: string[] };
  /** The raw RFC 5322 message as received after DATA. */
  raw: Buffer;
  parsed: ParsedMail;
  /** The authenticated user, when AUTH was used. */
  user?: string;
}

interface Injected {
  stage: SmtpStage;
  remaining: number;
  responseCode: number;
  message: string;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * A real SMTP server (the `smtp-server` package) for tests: nodemailer talks to it over TCP and
 * every accepted message is kept raw and parsed with mailparser. Failures are injected by answering
 * MAIL FROM, RCPT TO or DATA with a chosen reply code for the next N messages.
 *
 * @example
 * const smtp = new SmtpStandIn();
 * await smtp.start();
 * smtp.failNext(2, { responseCode: 451 });   // two deferrals, then acceptance
 */
export class SmtpStandIn {
  readonly messages: ReceivedSmtpMessage[] = [];
  /** Transactions that reached DATA, including the ones answered with an injected failure. */
  dataAttempts = 0;
  connections = 0;
  authFailures = 0;
  private readonly failures: Injected[] = [];
  private readonly failingTransactions = new Map<string, Injected>();
  private delays: { remaining: number; ms: number } | null = null;
  private readonly recipientRefusals = new Map<string, Injected>();
  private server: SMTPServer | null = null;
  private boundPort = 0;

  constructor(private readonly options: SmtpStandInOptions = {}) {}

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return "127.0.0.1";
  }

  /** The next `count` messages are answered with `responseCode` at `stage` (default DATA, 451). */
  failNext(count: number, opts: { stage?: SmtpStage; responseCode?: number; message?: string } = {}): this {
    const responseCode = opts.responseCode ?? 451;
    this.failures.push({
      stage: opts.stage ?? "DATA",
      remaining: count,
      responseCode,
      message:
        opts.message ??
        (responseCode >= 500 ? "Requested action not taken: mailbox unavailable" : "Try again later"),
    });
    return this;
  }

  /**
   * RCPT TO for `address` is answered with `responseCode` (default 451) the next `count` times it
   * is offered; the other recipients of the same message are accepted as usual.
   */
  refuseRecipient(
    address: string,
    opts: { count?: number; responseCode?: number; message?: string } = {},
  ): this {
    const responseCode = opts.responseCode ?? 451;
    this.recipientRefusals.set(address.toLowerCase(), {
      stage: "RCPT",
      remaining: opts.count ?? 1,
      responseCode,
      message:
        opts.message ??
        (responseCode >= 500 ? `<${address}>: mailbox unavailable` : `<${address}>: try again later`),
    });
    return this;
  }

  /** The next `count` messages are answered only after `ms` milliseconds (at DATA). */
  delayNext(count: number, ms: number): this {
    this.delays = { remaining: count, ms };
    return this;
  }

  /** Removes pending injected failures and delays and forgets received messages. */
  reset(): void {
    this.failures.length = 0;
    this.failingTransactions.clear();
    this.recipientRefusals.clear();
    this.delays = null;
    this.messages.length = 0;
    this.dataAttempts = 0;
    this.connections = 0;
    this.authFailures = 0;
  }

  async start(): Promise<string> {
    const users = this.options.users;
    const server = new SMTPServer({
      logger: false,
      banner: "stand-in ESMTP",
      disabledCommands: users ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
      authOptional: !users,
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      size: 10 * 1024 * 1024,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (auth, _session, callback) => {
        const expected = users?.[auth.username ?? ""];
        if (expected !== undefined && expected === auth.password)
          return callback(null, { user: auth.username });
        this.authFailures++;
        const text = this.options.echoCredentialsOnAuthFailure
          ? `Invalid credentials ${auth.username}:${auth.password}`
          : "Invalid username or password";
        callback(smtpError(535, text));
      },
      onMailFrom: (_address, session, callback) => callback(this.injected("MAIL", session)),
      onRcptTo: (address, session, callback) =>
        callback(this.refusedRecipient(address.address) ?? this.injected("RCPT", session)),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          this.dataAttempts++;
          const failure = this.injected("DATA", session);
          const delay = this.delays && this.delays.remaining > 0 ? this.delays.ms : 0;
          if (this.delays && delay > 0) this.delays.remaining--;
          const finish = () => {
            if (failure) return callback(failure);
            const raw = Buffer.concat(chunks);
            simpleParser(raw)
              .then((parsed) => {
                this.messages.push({
                  envelope: {
                    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                    rcptTo: session.envelope.rcptTo.map((r) => r.address),
                  },
                  raw,
                  parsed,
                  ...(session.user ? { user: String(session.user) } : {}),
                });
                callback(null, "Message queued");
              })
              .catch((err: Error) => callback(smtpError(554, `cannot parse message: ${err.message}`)));
          };
          if (delay > 0) setTimeout(finish, delay);
          else finish();
        });
      },
    });
    server.on("error", () => {
      // Client sockets that break mid-session are expected in failure tests.
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    this.server = server;
    this.boundPort = (server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The refusal injected for this recipient, if any is left. */
  private refusedRecipient(address: string): Error | null {
    const refusal = this.recipientRefusals.get(address.toLowerCase());
    if (!refusal || refusal.remaining <= 0) return null;
    refusal.remaining--;
    return smtpError(refusal.responseCode, refusal.message);
  }

  /** The failure for this command of this transaction, if one is injected. One message consumes one. */
  private injected(stage: SmtpStage, session: SMTPServerSession): Error | null {
    const tx = `${session.id}:${session.transaction}`;
    const marked = this.failingTransactions.get(tx);
    if (marked) return marked.stage === stage ? smtpError(marked.responseCode, marked.message) : null;
    const next = this.failures.find((f) => f.remaining > 0);
    if (!next || next.stage !== stage) return null;
    next.remaining--;
    if (next.remaining === 0) this.failures.splice(this.failures.indexOf(next), 1);
    this.failingTransactions.set(tx, next);
    return smtpError(next.responseCode, next.message);
  }
}
