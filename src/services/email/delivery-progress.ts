import type { OutgoingEmail, RecipientKind, RefusedRecipient } from "./types.js";

/**
 * Who already has a message and who refused it, across every attempt and provider of one send.
 *
 * SMTP accepts or refuses each recipient on its own (RCPT TO): a server may take the cc address
 * and defer the customer with 451. A retry of the whole message would then send the cc a second
 * copy, and reporting success would hide that the customer got nothing. So each attempt records
 * what happened here, and the next attempt (a retry, or the next provider on failover) sends only
 * to the recipients who do not have the message yet. The state hangs off the message object the
 * service passes to every attempt, and goes away with it.
 */
interface Progress {
  /** Lower-cased address -> the address as written. */
  accepted: Map<string, string>;
  /** Lower-cased address -> its latest refusal. */
  refused: Map<string, RefusedRecipient>;
}

const progressOf = new WeakMap<OutgoingEmail, Progress>();

function progress(message: OutgoingEmail): Progress {
  let p = progressOf.get(message);
  if (!p) {
    p = { accepted: new Map(), refused: new Map() };
    progressOf.set(message, p);
  }
  return p;
}

/** Every recipient of a message once, with its kind (an address in both To and Cc counts as "to"). */
export function recipientsOf(message: OutgoingEmail): { address: string; kind: RecipientKind }[] {
  const seen = new Set<string>();
  const out: { address: string; kind: RecipientKind }[] = [];
  for (const kind of ["to", "cc", "bcc"] as const) {
    for (const address of message[kind]) {
      const key = address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address, kind });
    }
  }
  return out;
}

/** The recipients who do not have the message yet (every one before the first attempt). */
export function undelivered(message: OutgoingEmail): { address: string; kind: RecipientKind }[] {
  const p = progressOf.get(message);
  return recipientsOf(message).filter((r) => !p?.accepted.has(r.address.toLowerCase()));
}

/** The message as the next attempt should send it: only the recipients who do not have it yet. */
export function remainingMessage(message: OutgoingEmail): OutgoingEmail {
  const left = new Set(undelivered(message).map((r) => r.address.toLowerCase()));
  const keep = (list: string[]) => list.filter((a) => left.has(a.toLowerCase()));
  return { ...message, to: keep(message.to), cc: keep(message.cc), bcc: keep(message.bcc) };
}

/** Records recipients a provider accepted (they are not sent to again). */
export function markAccepted(message: OutgoingEmail, addresses: Iterable<string>): void {
  const p = progress(message);
  for (const address of addresses) {
    p.accepted.set(address.toLowerCase(), address);
    p.refused.delete(address.toLowerCase());
  }
}

/** Records a refusal (the latest one per recipient is kept). */
export function markRefused(message: OutgoingEmail, refusal: RefusedRecipient): void {
  progress(message).refused.set(refusal.address.toLowerCase(), refusal);
}

/** What the result reports: who has the message, and who refused it and why. */
export function deliveryReport(message: OutgoingEmail): { accepted: string[]; refused: RefusedRecipient[] } {
  const p = progressOf.get(message);
  if (!p) return { accepted: [], refused: [] };
  return { accepted: [...p.accepted.values()], refused: [...p.refused.values()] };
}
