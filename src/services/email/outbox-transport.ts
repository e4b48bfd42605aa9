import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import { markAccepted, undelivered } from "./delivery-progress.js";
import { EmailSendError } from "./errors.js";
import { toNodemailerMessage } from "./smtp-transport.js";
import type { EmailTransport, OutgoingEmail } from "./types.js";

export interface OutboxTransportOptions {
  dir: string;
  now?: () => Date;
}

/** A file-name-safe form of a Message-ID: `<abc@host>` -> `abc@host`. */
export function messageIdFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, "").replace(/[^A-Za-z0-9@._-]/g, "_");
}

/**
 * The embedded default: writes each message as a real RFC 5322 `.eml` file named
 * `<timestamp>-<messageId>.eml`, which any mail client opens. The file appears complete or not
 * at all (written to a temporary name, then renamed). Like a Sent folder copy, the file keeps the
 * Bcc header, so it records every recipient. A message whose Message-ID is already in the folder
 * (sent again under the same idempotency key after its first sender died) is not written twice.
 */
export class OutboxTransport implements EmailTransport {
  readonly name = "outbox";
  private readonly transporter = createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  private readonly now: () => Date;

  constructor(private readonly options: OutboxTransportOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The directory the `.eml` files go to. */
  get dir(): string {
    return this.options.dir;
  }

  async send(message: OutgoingEmail): Promise<{ messageId: string }> {
    let raw: Buffer;
    try {
      const info = await this.transporter.sendMail(toNodemailerMessage(message));
      raw = info.message as Buffer;
    } catch (err) {
      throw new EmailSendError({
        code: "EMAIL_REJECTED",
        retriable: false,
        provider: this.name,
        message: `the message could not be composed (${(err as Error).message})`,
      });
    }
    const name = messageIdFileName(message.messageId);
    const stamp = this.now().toISOString().replace(/[-:.]/g, "");
    const file = join(this.options.dir, `${stamp}-${name}.eml`);
    try {
      // Only a message sent under an idempotency key has a Message-ID that can already be there.
      if (message.headers["X-Idempotency-Key"] && (await this.holds(name))) return this.accepted(message);
      await mkdir(this.options.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, raw);
      await rename(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new EmailSendError({
        code: "EMAIL_OUTBOX_WRITE_FAILED",
        retriable: code === "EMFILE" || code === "ENFILE" || code === "EBUSY" || code === "EAGAIN",
        provider: this.name,
        providerCode: code,
        message: `could not write ${file} (${code ?? (err as Error).message}); check outboxDir exists and is writable`,
      });
    }
    return this.accepted(message);
  }

  /** The file keeps every recipient, like a Sent folder copy; it stands for delivery to those who lacked it. */
  private accepted(message: OutgoingEmail): { messageId: string } {
    markAccepted(
      message,
      undelivered(message).map((r) => r.address),
    );
    return { messageId: message.messageId };
  }

  /** Whether the folder already holds the message with this (file-name-safe) Message-ID. */
  private async holds(name: string): Promise<boolean> {
    try {
      return (await readdir(this.options.dir)).some((f) => f.endsWith(`-${name}.eml`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }
}
