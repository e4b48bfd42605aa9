import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextMonday } from "../support/graph-agents.js";
import { GraphWorld } from "../support/graph-world.js";

/**
 * Human approval through the app: a tenant with `requireApproval` pauses before booking, the customer is
 * told so, an operator approves or rejects with `app.resolveApproval` (audited), and a paused turn
 * survives a restart of the process.
 */
describe("app.resolveApproval: an operator approves or rejects a paused booking", () => {
  const world = new GraphWorld();
  const date = nextMonday(3);
  const request = (time: string, who: string) =>
    `reserva Botox el ${date} a las ${time} para ${who} ${who.toLowerCase()}@example.com`;
  const converse = (conversationId: string, text: string) =>
    world.app.converse({ conversationId, userId: `346001${conversationId}`, text });
  const bookedAt = async (time: string) => {
    const { bookings } = await (await world.tenant()).calendar.listBookings(date);
    return bookings.filter((b) => b.time === time && b.status === "confirmed");
  };
  const emailsTo = (address: string) =>
    world.smtp.messages.filter((m) => m.envelope.rcptTo.includes(address));
  const approvals = async (conversationId: string) =>
    (await (await world.tenant()).audit.query({ conversationId, actionType: "approval", limit: 10 })).entries;

  beforeAll(async () => {
    await world.start({ tenant: { requireApproval: true } });
  });
  afterAll(async () => {
    await world.close();
  });

  it("pauses before booking, answers a new message politely, then books once on approve", async () => {
    const paused = await converse("401", request("10:00", "Ana"));
    expect(paused.pendingApproval).toMatchObject({
      type: "approval",
      action: "google_calendar.create_booking",
      parameters: { booking_data: { treatment: "Botox", date, time: "10:00" } },
    });
    expect(paused.reply).toContain("Perfecto, Ana");
    expect(paused.reply).toContain("La clínica tiene que aprobar esta solicitud");
    expect(paused.toolOutcomes).toEqual([]);
    expect(await bookedAt("10:00")).toHaveLength(0);

    // The customer writes again while the clinic has not decided: a polite answer, nothing run.
    const meanwhile = await converse("401", "¿hola? ¿ya está mi cita?");
    expect(meanwhile.reply).toContain("sigue pendiente de la confirmación de la clínica");
    expect(meanwhile.pendingApproval).toMatchObject({ action: "google_calendar.create_booking" });
    expect(meanwhile.toolOutcomes).toEqual([]);
    expect(await bookedAt("10:00")).toHaveLength(0);

    const done = await world.app.resolveApproval({
      conversationId: "401",
      decision: "approve",
      operator: "Marta Ruiz",
    });
    expect(done.pendingApproval).toBeUndefined();
    // Only what the customer has not read yet: the confirmation, not the line sent when it paused.
    expect(done.reply).toMatch(/^✅ Su cita ha sido confirmada: Botox el \d{4}-\d{2}-\d{2} a las 10:00\./);
    expect(done.sagaStatus).toBe("completed");
    expect(done.toolOutcomes.map((o) => [o.node, o.tool, o.success])).toEqual([
      ["execute_booking", "google_calendar", true],
      ["send_notification", "send_email", true],
      ["send_notification", "send_whatsapp", true],
    ]);
    expect(await bookedAt("10:00")).toHaveLength(1);
    expect(emailsTo("ana@example.com")).toHaveLength(1);

    const [entry, ...more] = await approvals("401");
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actionName: "approval.approve",
      userId: "Marta Ruiz",
      agentName: "operator",
      status: "success",
      inputParams: { decision: "approve", action: "google_calendar.create_booking" },
    });
    expect(entry?.tags).toEqual(
      expect.arrayContaining(["approval", "approval:approve", "operator:Marta_Ruiz"]),
    );

    // Nothing waits any more: a second decision is refused and changes nothing.
    await expect(
      world.app.resolveApproval({ conversationId: "401", decision: "reject", operator: "Luis" }),
    ).rejects.toThrow(/conversation 401 has no turn waiting for an operator's approval/);
    expect(await approvals("401")).toHaveLength(1);
    expect(await bookedAt("10:00")).toHaveLength(1);
    expect(emailsTo("ana@example.com")).toHaveLength(1);
  });

  it("books nothing on reject and tells the customer honestly", async () => {
    const paused = await converse("402", request("11:00", "Bea"));
    expect(paused.pendingApproval).toBeDefined();
    const done = await world.app.resolveApproval({
      conversationId: "402",
      decision: "reject",
      reason: "la doctora no está ese día",
      operator: "marta",
    });
    expect(done.reply).toBe(
      "Nuestro equipo no ha podido aprobar esta solicitud, así que no se ha reservado ni cambiado nada. Un compañero se pondrá en contacto con usted.",
    );
    expect(done.reply).not.toContain("doctora");
    expect(done.toolOutcomes.some((o) => o.success)).toBe(false);
    expect(done.sagaStatus).toBeNull();
    expect(await bookedAt("11:00")).toHaveLength(0);
    expect(emailsTo("bea@example.com")).toHaveLength(0);
    const audit = await (await world.tenant()).audit.query({ conversationId: "402", limit: 50 });
    expect(audit.entries.some((e) => e.actionName === "google_calendar.create_booking")).toBe(false);
    expect(await approvals("402")).toEqual([
      expect.objectContaining({
        actionName: "approval.reject",
        userId: "marta",
        status: "success",
        inputParams: expect.objectContaining({ reason: "la doctora no está ese día" }),
      }),
    ]);

    // The conversation goes on normally afterwards.
    const next = await converse("402", request("12:00", "Bea"));
    expect(next.pendingApproval).toMatchObject({ parameters: { booking_data: { time: "12:00" } } });
  });

  it("refuses a bad decision, naming the field, and changes nothing", async () => {
    await converse("403", request("13:00", "Carla"));
    await expect(
      world.app.resolveApproval({ conversationId: "403", decision: "maybe" as "approve" }),
    ).rejects.toThrow(/decision: expected "approve" or "reject" \(got "maybe"\)/);
    await expect(world.app.resolveApproval({ conversationId: " ", decision: "approve" })).rejects.toThrow(
      /conversationId: expected/,
    );
    await expect(
      world.app.resolveApproval({ companyId: "nadie", conversationId: "403", decision: "approve" }),
    ).rejects.toThrow(/unknown tenant "nadie"/);
    expect(await approvals("403")).toEqual([]);
    expect(await bookedAt("13:00")).toHaveLength(0);
  });

  it("resumes a paused turn in a new process on the same data folder", async () => {
    const paused = await converse("404", request("15:00", "Dora"));
    expect(paused.pendingApproval).toBeDefined();
    await world.restart();
    const done = await world.app.resolveApproval({
      conversationId: "404",
      decision: "approve",
      operator: "marta",
    });
    expect(done.reply).toContain("✅ Su cita ha sido confirmada");
    expect(await bookedAt("15:00")).toHaveLength(1);
    expect(emailsTo("dora@example.com")).toHaveLength(1);
  });

  it("still honours a reject after approval was switched off for the app", async () => {
    await converse("405", request("16:00", "Eva"));
    await world.restart({ requireApproval: false });
    const meanwhile = await converse("405", "¿sigue en pie?");
    expect(meanwhile.reply).toContain("sigue pendiente");
    const done = await world.app.resolveApproval({ conversationId: "405", decision: "reject" });
    expect(done.reply).toContain("no se ha reservado ni cambiado nada");
    expect(await bookedAt("16:00")).toHaveLength(0);
    expect(await approvals("405")).toEqual([expect.objectContaining({ userId: "anonymous" })]);
    // With approval off, a new booking goes straight through.
    const direct = await converse("406", request("17:00", "Fina"));
    expect(direct.pendingApproval).toBeUndefined();
    expect(direct.reply).toContain("✅ Su cita ha sido confirmada");
    expect(await bookedAt("17:00")).toHaveLength(1);
  });
});
