import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  example1Booking,
  example2Notify,
  example3TicketAndUndo,
  example4Multimedia,
  nextMonday,
} from "../../examples/tools.js";
import { App, type TenantRuntime } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";

describe("the README's tool examples on embedded defaults", () => {
  let dir: string;
  let app: App;
  let t: TenantRuntime;
  const date = nextMonday();
  let bookingAuditId = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "examples-"));
    app = new App(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }));
    t = await app.tenant();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("1: knowledge base, availability and an idempotent booking", async () => {
    const { info, free, booking } = await example1Booking(t.executor, date);
    expect(
      (info.data as { results: { metadata: { heading: string } }[] }).results[0]?.metadata.heading,
    ).toMatch(/Blanqueamiento/);
    expect((free.data as { slots: unknown[] }).slots.length).toBeGreaterThan(10);
    expect(booking).toMatchObject({ success: true, data: { date, time: "10:00", already_existed: false } });
    bookingAuditId = booking.auditId as string;
    const again = await example1Booking(t.executor, date);
    expect(again.booking).toMatchObject({ success: true, replayed: true, auditId: bookingAuditId });
    expect((await t.calendar.listBookings(date)).bookings).toHaveLength(1);
  });

  it("2: the confirmation email lands in the outbox and the WhatsApp message in the local store", async () => {
    const { email, whatsapp } = await example2Notify(t.executor, date);
    expect(email).toMatchObject({ success: true, data: { provider: "outbox" } });
    expect(whatsapp.success).toBe(true);
    expect(readdirSync(join(dir, "outbox", "benova")).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
  });

  it("3: a ticket is opened, the booking undone once and the customer told", async () => {
    const { ticket, undo, again } = await example3TicketAndUndo(t.executor, bookingAuditId);
    expect(ticket).toMatchObject({ success: true, data: { status: "open" } });
    expect(undo.success).toBe(true);
    expect(again).toMatchObject({ success: true, alreadyCompensated: true });
    expect((await t.calendar.listBookings(date)).bookings).toHaveLength(0);
    expect(readdirSync(join(dir, "outbox", "benova")).filter((f) => f.endsWith(".eml"))).toHaveLength(2);
  });

  it("4: multimedia tools say how to configure them", async () => {
    const results = await example4Multimedia(t.executor);
    for (const r of results) {
      expect(r).toMatchObject({ success: false, errorCode: "NOT_CONFIGURED" });
      expect(r.error).toContain("OPENAI_API_KEY");
    }
  });

  it("an email key already sent is not sent again by a restarted process", async () => {
    const message = {
      toEmail: "lucia@example.com",
      subject: "Recordatorio",
      bodyHtml: "<p>Mañana a las 10:00</p>",
      idempotencyKey: "benova:42:reminder",
    };
    const outbox = () => readdirSync(join(dir, "outbox", "benova")).filter((f) => f.endsWith(".eml")).length;
    const before = outbox();
    expect(await t.email.sendEmail(message)).toMatchObject({ success: true, provider: "outbox" });
    // A second process on the same data directory: its in-memory state is empty, the SQLite record is not.
    const restarted = new App(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }));
    try {
      const again = await (await restarted.tenant()).email.sendEmail(message);
      expect(again).toMatchObject({ success: true, deduplicated: true });
    } finally {
      await restarted.close();
    }
    expect(outbox()).toBe(before + 1);
  });
});
