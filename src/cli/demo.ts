import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../app.js";
import type { AuditEntry } from "../audit/types.js";
import type { ConverseResult } from "../graph/converse.js";
import type { ToolOutcome } from "../graph/state.js";
import { table } from "./format.js";

interface DemoOptions {
  json: boolean;
  out(text: string): void;
}

const MONTHS =
  "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(" ");

/** "20 de enero" for 2027-01-20. */
function spanishDate(date: string): string {
  return `${Number(date.slice(8, 10))} de ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

/**
 * The first opening day at least two days ahead where 10:00 and 11:00 are both free, so the scripted
 * customers get the times they ask for on every run, also in a data folder earlier runs filled.
 */
async function freeDay(app: App): Promise<string> {
  const rt = await app.tenant();
  for (let ahead = 2; ahead < 90; ahead++) {
    const date = new Date(Date.now() + ahead * 86_400_000).toISOString().slice(0, 10);
    const { slots } = await rt.calendar.checkAvailability(date);
    const starts = new Set(slots.map((s) => s.start.slice(11, 16)));
    if (starts.has("10:00") && starts.has("11:00")) return date;
  }
  throw new Error("no day in the next three months has 10:00 and 11:00 free");
}

interface Script {
  title: string;
  conversationId: string;
  userId: string;
  messages: string[];
}

/**
 * The main job on embedded defaults, as customers see it: two Spanish WhatsApp conversations through
 * `app.converse` and the offline agents. The first books botox (the seed's flow: calendar event,
 * confirmation email, WhatsApp message); in the second the customer's email address has a typo the
 * email service refuses for good, so the booking made a step earlier is rolled back. Then the audit
 * trail of both conversations is shown and verified.
 */
export async function runDemo(app: App, o: DemoOptions): Promise<void> {
  const rt = await app.tenant();
  const say = (text: string) => !o.json && o.out(text);
  const date = spanishDate(await freeDay(app));
  // Numeric ids: the conversation id doubles as the Chatwoot conversation the WhatsApp message goes to.
  const base = 10_000 + (Date.now() % 80_000) * 10;
  const scripts: Script[] = [
    {
      title: "a booking that goes through",
      conversationId: String(base + 1),
      userId: "34600111222",
      messages: [
        `Quiero agendar una cita para botox el ${date} a las 10am`,
        "Me llamo Lucía Pérez",
        "lucia.perez@example.com",
        "sí",
      ],
    },
    {
      title: "a booking whose confirmation cannot be sent (a typo in the email address)",
      conversationId: String(base + 2),
      userId: "34600333444",
      messages: [
        `Hola, quería reservar una limpieza dental el ${date} a las 11:00`,
        "Soy Marta Gómez, mi correo es marta.gomez@gmail-.com",
        "sí",
      ],
    },
  ];

  say(`Tenant ${rt.companyId}: audit store ${app.auditStore.kind}, calendar ${rt.calendar.name}`);
  const results: { conversationId: string; turns: ConverseResult[] }[] = [];
  for (const script of scripts) {
    say(`\n== Conversation ${script.conversationId}: ${script.title} ==`);
    const turns: ConverseResult[] = [];
    let undos = 0;
    for (const text of script.messages) {
      say(`customer          > ${text}`);
      const r = await app.converse({ conversationId: script.conversationId, userId: script.userId, text });
      turns.push(r);
      // In the order they happened: the actions, the undos they registered, then any rollback.
      const outcome = (t: ToolOutcome) =>
        `${t.node}: ${t.tool}.${t.action} ${t.success ? "ok" : `FAILED (${t.error ?? "no reason given"})`}`;
      for (const t of r.toolOutcomes.filter((t) => t.node !== "rollback"))
        say(`  tool call       ${outcome(t)}`);
      for (const c of r.compensations.slice(undos)) {
        say(`  undo registered #${c.seq} ${c.tool}.${c.action} (for audit ${c.auditId})`);
      }
      for (const t of r.toolOutcomes.filter((t) => t.node === "rollback"))
        say(`  compensation    ${outcome(t)}`);
      undos = r.compensations.length;
      if (r.sagaStatus) say(`  saga            ${r.sagaStatus}`);
      const who = `agent (${r.agent ?? "-"})`.padEnd(18);
      say(`${who}> ${r.reply.replace(/\n+/g, "\n                    ")}`);
    }
    results.push({ conversationId: script.conversationId, turns });
  }

  const entries: AuditEntry[] = [];
  for (const { conversationId } of results) {
    entries.push(...(await rt.audit.query({ conversationId, limit: 200 })).entries);
  }
  entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const sagaIds = [...new Set(entries.map((e) => e.sagaId).filter((id): id is string => !!id))];
  const sagas = await Promise.all(sagaIds.map((id) => rt.sagas.getSaga(id)));
  await rt.audit.seal();
  const report = await rt.audit.verify();
  const outbox = join(app.config.dataDir, "outbox", rt.companyId);
  const emails = existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith(".eml")) : [];
  if (o.json) {
    o.out(
      JSON.stringify(
        {
          conversations: results,
          sagas: sagas.map((s) => ({
            sagaId: s?.sagaId,
            status: s?.status,
            conversationId: s?.conversationId,
          })),
          entries,
          verify: report,
          outbox: emails.length > 0 ? outbox : null,
        },
        null,
        2,
      ),
    );
    return;
  }
  o.out("\n== Audit trail of both conversations ==");
  o.out(
    table(entries as unknown as Record<string, unknown>[], [
      "auditId",
      "conversationId",
      "status",
      "actionName",
      "agentName",
      "linkedAuditId",
      "durationMs",
    ]),
  );
  o.out(
    `\naudit verify: ${report.ok ? "OK" : "TAMPERED"} (${report.entriesChecked} entries, ${report.recordsChecked} records${report.signed ? ", signed" : ", unsigned: set AUDIT_SIGNING_KEY"})`,
  );
  o.out(`sagas: ${sagas.map((s) => `${s?.sagaId} ${s?.status}`).join(", ")}`);
  o.out(
    emails.length > 0
      ? `emails: ${emails.length} .eml file(s) in ${outbox}`
      : "emails: sent through the configured provider (no outbox)",
  );
  o.out(`data under ${app.config.dataDir}; try: npm run cli -- audit list --conversation ${base + 2}`);
  if (sagaIds[1]) o.out(`                  and: npm run cli -- saga show ${sagaIds[1]}`);
}
