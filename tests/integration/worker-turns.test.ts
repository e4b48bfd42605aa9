import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { App } from "../../src/app.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import { RedisTurnQueue } from "../../src/server/queue/redis-queue.js";
import type { IncomingTurn, TurnQueue, TurnWorker } from "../../src/server/queue/types.js";
import { createTurnHandler } from "../../src/server/worker/turn-handler.js";
import { testRedis, uniquePrefix } from "../support/redis.js";
import { incomingTurn, waitFor } from "../support/turns.js";
import { SEED_BOOKING, WorkerWorld } from "../support/worker-world.js";

type Queue = TurnQueue & TurnWorker;
const MAX_ATTEMPTS = 3;

const kinds: [string, (handler: ReturnType<typeof createTurnHandler>, prefix: string) => Queue][] = [
  [
    "MemoryTurnQueue",
    (handler) =>
      new MemoryTurnQueue({ handler, maxAttempts: MAX_ATTEMPTS, backoff: () => 100, concurrency: 4 }),
  ],
  [
    "RedisTurnQueue",
    (handler, prefix) =>
      new RedisTurnQueue({
        handler,
        redisUrl: inject("redisUrl"),
        prefix,
        maxAttempts: MAX_ATTEMPTS,
        backoff: () => 100,
        concurrency: 4,
        waitMs: [20, 60],
      }),
  ],
];

describe.each(kinds)("worker turns through the %s", (_name, makeQueue) => {
  let world: WorkerWorld;
  let app: App;
  let queue: Queue;
  const prefix = uniquePrefix("wq");
  let nextConversation = 100;

  beforeAll(async () => {
    world = await new WorkerWorld(inject("redisUrl")).start();
    app = await world.app();
    queue = makeQueue(createTurnHandler(app, { observer: world.observer() }), prefix);
    await queue.start();
  });
  afterAll(async () => {
    await queue.stop();
    await queue.close();
    const redis = testRedis();
    await world.close({ redis, prefixes: [prefix] });
    redis.disconnect();
  });

  const conversation = () => {
    const id = nextConversation++;
    world.conversation(id);
    return id;
  };
  const turn = (conversationId: number, text: string, over: Partial<IncomingTurn> = {}) =>
    incomingTurn({ companyId: world.companyId, conversationId, text, ...over });

  it("answers two messages of one conversation sent together in order, and other conversations too", async () => {
    const a = conversation();
    const b = conversation();
    const turns = [
      turn(a, "¿Cuánto cuesta el botox?"),
      turn(a, "¿Y el ácido hialurónico?"),
      turn(b, "Hola, ¿qué horario tienen?"),
    ];
    for (const t of turns) expect((await queue.enqueue(t)).outcome).toBe("queued");
    const ids = turns.map((t) => t.messageId);
    await waitFor(() => world.replies(a, ids).length === 2 && world.replies(b, ids).length === 1, "replies");
    expect(world.replies(a, ids).map((r) => r.messageId)).toEqual([ids[0], ids[1]]);
    expect(world.replies(a, ids)[0]?.message.content).toMatch(/[Bb][óo]tox/);
    expect(world.replies(a, ids).every((r) => !r.message.private)).toBe(true);
  });

  it("a duplicate delivery (same message id, then same delivery id) is answered once", async () => {
    const c = conversation();
    const first = turn(c, "¿Cuánto cuesta el botox?", { deliveryId: `d-${c}` });
    const results = await Promise.all([
      queue.enqueue(first),
      queue.enqueue({ ...first }),
      queue.enqueue({ ...first, messageId: first.messageId + 100_000 }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(["duplicate", "duplicate", "queued"]);
    await waitFor(() => world.replies(c, [first.messageId]).length === 1, "the reply");
    await new Promise((r) => setTimeout(r, 500));
    expect(world.chatwoot.messages(c)).toHaveLength(1);
  });

  it("Chatwoot failing with 503 then recovering: the reply is posted once, after the retries", async () => {
    const c = conversation();
    world.chatwoot.failNext(2, 503, { method: "POST", path: new RegExp(`/conversations/${c}/messages$`) });
    const t = turn(c, "¿Cuánto cuesta el botox?");
    await queue.enqueue(t);
    await waitFor(() => world.replies(c, [t.messageId]).length === 1, "the reply");
    await new Promise((r) => setTimeout(r, 300));
    expect(world.chatwoot.messages(c)).toHaveLength(1);
    const mine = () => world.reports.filter((r) => r.companyId === world.companyId);
    await waitFor(() => mine().at(-1)?.outcome === "replied", "the turn's report");
    expect(
      mine()
        .slice(-3)
        .map((r) => r.outcome),
    ).toEqual(["retry", "retry", "replied"]);
    expect(world.chatwoot.conversation(c)?.status).toBe("pending");
  });

  it("after the last attempt fails the conversation goes to a person: open, labelled, a private note", async () => {
    const c = conversation();
    const posts = new RegExp(`/conversations/${c}/messages$`);
    world.chatwoot.failNext(MAX_ATTEMPTS, 503, { method: "POST", path: posts });
    const t = turn(c, "¿Cuánto cuesta el botox?");
    const next = turn(c, "¿Y el ácido hialurónico?");
    await queue.enqueue(t);
    await queue.enqueue(next);
    await waitFor(() => world.chatwoot.messages(c).some((m) => m.private), "the private note");
    const conv = world.chatwoot.conversation(c);
    expect(conv?.status).toBe("open");
    expect(conv?.labels).toContain("bot-handoff");
    const notes = world.chatwoot.messages(c).filter((m) => m.private);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.content).toMatch(/tras 3 intentos.*Motivo: ChatwootApiError SERVER_ERROR/s);
    expect(notes[0]?.content).not.toContain(world.chatwoot.apiToken);
    expect(world.replies(c, [t.messageId])).toEqual([]);
    await waitFor(
      () => world.reports.some((r) => r.companyId === world.companyId && r.outcome === "handed_off"),
      "the hand-off report",
    );
    // The conversation's next message is not held up by the failed one.
    await waitFor(() => world.replies(c, [next.messageId]).length === 1, "the next reply");
  });

  it("books the seed's appointment through the queue: four messages sent at once, one event, one email", async () => {
    const c = conversation();
    const turns = SEED_BOOKING.map((text) => turn(c, text, { userId: "34600555001" }));
    for (const t of turns) await queue.enqueue(t);
    const ids = turns.map((t) => t.messageId);
    await waitFor(() => world.replies(c, ids).length === 4, "four replies", 30_000);
    const replies = world.replies(c, ids);
    expect(replies.map((r) => r.messageId)).toEqual(ids);
    expect(replies[0]?.message.content).toMatch(/miércoles 20 de enero a las 10:00/);
    expect(replies[3]?.message.content).toContain("✅ Su cita ha sido confirmada");
    const rt = await app.tenant(world.companyId);
    const { bookings } = await rt.calendar.listBookings("2027-01-20");
    expect(
      bookings.filter((b) => b.status === "confirmed" && b.customer_name === "Lucía Pérez"),
    ).toHaveLength(1);
    expect(world.emails()).toHaveLength(1);
    // The turn reports after its reply is posted.
    const bookedReport = () =>
      world.reports.find((r) => r.companyId === world.companyId && r.sagaStatus === "completed");
    await waitFor(() => bookedReport() !== undefined, "the booking turn's report");
    const booked = bookedReport();
    expect(booked?.toolOutcomes.map((o) => o.tool)).toEqual([
      "google_calendar",
      "send_email",
      "send_whatsapp",
    ]);
  });

  it("a voice note without a multimedia provider gets a polite answer asking for text", async () => {
    const c = conversation();
    const audio = turn(c, "", {
      attachments: [{ fileType: "audio", dataUrl: "https://files.example/a.ogg" }],
    });
    const captioned = turn(c, "¿Cuánto cuesta el botox?", {
      attachments: [{ fileType: "image", dataUrl: "https://files.example/b.jpg" }],
    });
    await queue.enqueue(audio);
    await queue.enqueue(captioned);
    const ids = [audio.messageId, captioned.messageId];
    await waitFor(() => world.replies(c, ids).length === 2, "two replies");
    const [first, second] = world.replies(c, ids);
    expect(first?.message.content).toMatch(/solo puedo leer mensajes de texto/);
    expect(second?.message.content).toMatch(/^\(No he podido abrir el archivo[^\n]*\n\n.*[Bb][óo]tox/s);
  });
});
