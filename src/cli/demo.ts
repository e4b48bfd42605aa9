import type { App } from "../app.js";
import { newId } from "../util/ids.js";
import { table } from "./format.js";

interface DemoOptions {
  json: boolean;
  out(text: string): void;
}

/** The first opening day at least `ahead` days from today, as YYYY-MM-DD. */
function openDayAhead(days: number[], ahead: number): string {
  const d = new Date(Date.now() + ahead * 86_400_000);
  for (let i = 0; i < 7 && !days.includes(d.getUTCDay()); i++) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The main job on embedded defaults: a customer asks about a treatment, books it, is notified; a
 * second booking fails half-way and is rolled back newest first. Then the audit trail is shown and verified.
 */
export async function runDemo(app: App, o: DemoOptions): Promise<void> {
  const t = await app.tenant();
  const x = t.executor;
  const run = newId().slice(-6).toLowerCase();
  const who = { userId: "34600111222", conversationId: `demo-${run}` };
  const say = (text: string) => !o.json && o.out(text);

  say(`Tenant ${t.companyId}: audit store ${app.auditStore.kind}, calendar ${t.calendar.name}\n`);
  const kb = await x.executeTool({
    toolName: "knowledge_base",
    parameters: { query: "¿Cuánto cuesta un blanqueamiento?", top_k: 1 },
    agentName: "sales",
    ...who,
  });
  const hit = (kb.data as { results?: { content: string; metadata: { heading: string } }[] } | null)
    ?.results?.[0];
  say(
    `sales    > knowledge_base: ${hit ? `${hit.metadata.heading}: ${hit.content.slice(0, 100).replace(/\s+/g, " ")}...` : kb.error}`,
  );

  // The first opening day (two or more days ahead) with two free slots an hour apart.
  const openDays = app.config.tenants.get(t.companyId)?.openingHours.days ?? [1, 2, 3, 4, 5];
  const minutes = (slot: string) => Number(slot.slice(11, 13)) * 60 + Number(slot.slice(14, 16));
  let date = "";
  let firstSlot: string | undefined;
  let secondSlot: string | undefined;
  for (let ahead = 2; ahead < 60 && !secondSlot; ahead++) {
    date = openDayAhead(openDays, ahead);
    const avail = await x.executeTool({
      toolName: "google_calendar",
      parameters: { action: "check_availability", date },
      agentName: "schedule",
      ...who,
    });
    if (!avail.success) throw new Error(`check_availability failed: ${avail.error}`);
    const slots = ((avail.data as { slots?: { start: string }[] }).slots ?? []).map((s) => s.start);
    firstSlot = slots[0];
    secondSlot = slots.find((s) => firstSlot !== undefined && minutes(s) >= minutes(firstSlot) + 60);
    say(
      `schedule > check_availability ${date}: ${slots.length} free slots (${slots.slice(0, 3).join(", ")}${slots.length > 3 ? ", ..." : ""})`,
    );
  }
  if (!firstSlot || !secondSlot)
    throw new Error("no day in the next two months has two free slots an hour apart");

  const booking = (slot: string) => ({
    customer_name: "Lucía Pérez",
    customer_email: "lucia.perez@example.com",
    treatment: "Blanqueamiento dental",
    date,
    time: slot.slice(11, 16),
    duration_minutes: 60,
  });
  const confirmation = (slot: string) => ({
    to_email: "lucia.perez@example.com",
    template_name: "appointment_confirmation",
    template_vars: {
      customer_name: "Lucía Pérez",
      appointment_date: date,
      appointment_time: slot.slice(11, 16),
      treatment: "Blanqueamiento dental",
      clinic_name: "Clínica Benova",
    },
  });

  /** A booking saga: every step is written before it acts and undone if a later one fails. */
  const runSaga = async (
    steps: { toolName: string; parameters: Record<string, unknown>; maxRetries?: number }[],
  ) => {
    const { sagaId } = await t.sagas.createSaga({
      userId: who.userId,
      sagaName: "booking",
      conversationId: who.conversationId,
    });
    for (const step of steps) t.sagas.addToolStep(sagaId, { ...step, agentName: "schedule" });
    return { sagaId, result: await t.sagas.executeSaga(sagaId) };
  };

  const { sagaId: ok, result: first } = await runSaga([
    {
      toolName: "google_calendar",
      parameters: { action: "create_booking", booking_data: booking(firstSlot) },
    },
    { toolName: "send_email", parameters: confirmation(firstSlot) },
    {
      toolName: "send_whatsapp",
      parameters: {
        conversation_id: 4242,
        message: `¡Hecho! Tu cita es el ${date} a las ${firstSlot.slice(11, 16)}.`,
      },
    },
  ]);
  say(`schedule > saga ${ok} (book, email, WhatsApp): ${first.status}, ${first.actionsExecuted} steps done`);

  // A second visit whose confirmation cannot be sent: the booking made before it is undone.
  const { sagaId: bad, result: second } = await runSaga([
    {
      toolName: "google_calendar",
      parameters: { action: "create_booking", booking_data: booking(secondSlot) },
    },
    {
      toolName: "send_email",
      parameters: { ...confirmation(secondSlot), template_vars: { customer_name: "Lucía" } },
      maxRetries: 0,
    },
  ]);
  say(
    `schedule > saga ${bad} (book, email): ${second.status}; failed at ${second.failedAction}: ${second.error}`,
  );
  say(
    `rollback > ${second.actionsCompensated} completed step(s) undone newest first (the booking: event deleted, cancellation email sent)\n`,
  );

  const trail = await t.audit.query({ conversationId: who.conversationId, limit: 100 });
  await t.audit.seal();
  const report = await t.audit.verify();
  if (o.json) {
    o.out(
      JSON.stringify(
        {
          conversationId: who.conversationId,
          sagas: [first, second],
          entries: trail.entries,
          verify: report,
        },
        null,
        2,
      ),
    );
    return;
  }
  o.out(
    table([...trail.entries].reverse() as unknown as Record<string, unknown>[], [
      "auditId",
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
  o.out(
    `data under ${app.config.dataDir}; try: npm run cli -- audit list --conversation ${who.conversationId}`,
  );
  o.out(`                  and: npm run cli -- saga show ${bad}`);
}
