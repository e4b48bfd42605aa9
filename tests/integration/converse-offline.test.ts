import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";

/** Monday 11 January 2027, 09:00 in Madrid: "el 20 de enero" is the coming Wednesday. */
const NOW = new Date("2027-01-11T08:00:00Z");

describe("app.converse with the default offline agents on embedded defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), "converse-offline-"));
  let app: App;
  const who = { conversationId: "7001", userId: "34600999888" };
  const say = (text: string) => app.converse({ ...who, text });

  beforeAll(async () => {
    app = await App.create(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }), { clock: () => NOW });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("books the seed's botox request over four turns: calendar event, outbox email, audit, saga", async () => {
    const first = await say("Quiero agendar una cita para botox el 20 de enero a las 10am");
    expect(first.agent).toBe("schedule");
    expect(first.toolOutcomes).toEqual([]);
    expect(first.reply).toMatch(/miércoles 20 de enero a las 10:00/);
    expect(first.reply).toMatch(/nombre/);

    const name = await say("Me llamo Lucía Pérez");
    expect(name.toolOutcomes).toEqual([]);
    expect(name.reply).toMatch(/email/);

    const email = await say("lucia.perez@example.com");
    expect(email.toolOutcomes).toEqual([]);
    expect(email.reply).toMatch(
      /¿Confirmo la cita de Bótox el miércoles 20 de enero a las 10:00 a nombre de Lucía Pérez\?/,
    );

    const yes = await say("sí");
    expect(yes.agent).toBe("schedule");
    expect(yes.toolOutcomes.map((o) => [o.node, o.tool, o.success])).toEqual([
      ["execute_booking", "google_calendar", true],
      ["send_notification", "send_email", true],
      ["send_notification", "send_whatsapp", true],
    ]);
    expect(yes.reply).toContain("✅ Su cita ha sido confirmada");
    expect(yes.sagaStatus).toBe("completed");

    const rt = await app.tenant();
    const { bookings } = await rt.calendar.listBookings("2027-01-20");
    expect(bookings.filter((b) => b.status === "confirmed")).toEqual([
      expect.objectContaining({
        time: "10:00",
        treatment: "Bótox",
        customer_name: "Lucía Pérez",
        customer_email: "lucia.perez@example.com",
      }),
    ]);

    const outbox = join(dir, "outbox", rt.companyId);
    const emails = readdirSync(outbox).filter((f) => f.endsWith(".eml"));
    expect(emails).toHaveLength(1);
    const eml = readFileSync(join(outbox, emails[0] as string), "utf8");
    expect(eml).toMatch(/^To: lucia\.perez@example\.com/m);
    expect(eml).toContain("2027-01-20");

    const page = await rt.audit.query({ conversationId: who.conversationId, limit: 100 });
    const acts = page.entries.filter((e) => e.tags.includes("graph"));
    expect(acts.map((e) => [e.actionName, e.status]).sort()).toEqual([
      ["google_calendar.create_booking", "success"],
      ["send_email.appointment_confirmation", "success"],
      ["send_whatsapp", "success"],
    ]);
    expect(page.entries.length).toBeGreaterThan(acts.length);
    expect(page.entries.every((e) => e.status === "success")).toBe(true);
    await rt.audit.seal();
    expect((await rt.audit.verify()).ok).toBe(true);
  });

  it("rolls the booking back when the email service refuses the customer's address for good", async () => {
    const talk = (text: string) => app.converse({ conversationId: "7002", userId: "34600777666", text });
    await talk("Hola, quería reservar una limpieza dental el 20 de enero a las 11:00");
    // The agent and the calendar take this address; the email service refuses its domain (label ends in "-").
    const asked = await talk("Soy Marta Gómez, mi correo es marta.gomez@gmail-.com");
    expect(asked.reply).toMatch(/¿Confirmo la cita de Limpieza dental .*Marta Gómez\?/);
    const out = await talk("sí");
    expect(out.toolOutcomes.map((o) => [o.node, o.tool, o.success])).toEqual([
      ["execute_booking", "google_calendar", true],
      ["send_notification", "send_email", false],
      ["rollback", "google_calendar", true],
    ]);
    expect(out.reply).toContain("no he podido completar su cita");
    expect(out.sagaStatus).toBe("compensated");
    const rt = await app.tenant();
    const { bookings } = await rt.calendar.listBookings("2027-01-20");
    expect(bookings.filter((b) => b.status === "confirmed").map((b) => b.time)).toEqual(["10:00"]);
    const booked = await rt.audit.getEntry(out.toolOutcomes[0]?.auditId as string);
    expect(booked?.status).toBe("compensated");
  });
});
