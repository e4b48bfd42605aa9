import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadDefaultAgents } from "../../src/agents/index.js";
import { App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { MemoryTurnQueue } from "../../src/server/queue/memory-queue.js";
import { createTurnHandler } from "../../src/server/worker/turn-handler.js";
import { OpenAIStandIn } from "../support/openai-stand-in.js";
import { testRedis } from "../support/redis.js";
import { incomingTurn, waitFor } from "../support/turns.js";
import { WORKER_NOW, WorkerWorld } from "../support/worker-world.js";

/**
 * With a multimedia provider (the OpenAI stand-in, through the real `openai` client), a voice note is
 * transcribed and an image described before the graph sees the message: the agents answer what was
 * said in the audio or written in the picture, and both calls are in the audit trail. The agents are
 * the offline ones, so only the media go to the model.
 */
describe("attachments through a multimedia provider", () => {
  const openai = new OpenAIStandIn();
  let world: WorkerWorld;
  let app: App;
  let queue: MemoryTurnQueue;
  let nextConversation = 900;

  beforeAll(async () => {
    const baseURL = await openai.start();
    world = await new WorkerWorld(inject("redisUrl")).start();
    app = await App.create(
      loadConfig({ ...world.env(), OPENAI_API_KEY: "sk-test-media-0123456789", OPENAI_BASE_URL: baseURL }),
      {
        clock: () => WORKER_NOW,
        agents: ({ tenant }) =>
          loadDefaultAgents({
            slotMinutes: tenant.openingHours.slotMinutes,
            hours: { open: tenant.openingHours.open, close: tenant.openingHours.close },
          }),
      },
    );
    queue = new MemoryTurnQueue({
      handler: createTurnHandler(app, { observer: world.observer() }),
      backoff: () => 50,
    });
    await queue.start();
  });
  afterAll(async () => {
    await queue.stop();
    await app.close();
    const redis = testRedis();
    await world.close({ redis, prefixes: [] });
    redis.disconnect();
    await openai.close();
  });

  const conversation = () => {
    const id = nextConversation++;
    world.conversation(id);
    return id;
  };

  it("transcribes a voice note and answers what the customer said in it", async () => {
    const c = conversation();
    const dataUrl = world.chatwoot.addFile("nota.ogg", Buffer.from("OggS fake voice note"), "audio/ogg");
    openai.enqueueTranscription("Quiero agendar una cita para botox el 20 de enero a las 10am");
    const t = incomingTurn({
      companyId: world.companyId,
      conversationId: c,
      text: "",
      attachments: [{ fileType: "audio", dataUrl }],
    });
    await queue.enqueue(t);
    await waitFor(() => world.replies(c, [t.messageId]).length === 1, "the reply to the voice note");
    const reply = world.replies(c, [t.messageId])[0]?.message.content ?? "";
    expect(reply).toContain("Tengo hueco para Bótox el miércoles 20 de enero a las 10:00");
    expect(openai.requests.some((r) => r.path === "/v1/audio/transcriptions")).toBe(true);
    const audit = await (await app.tenant(world.companyId)).audit.query({
      conversationId: String(c),
      limit: 50,
    });
    const media = audit.entries.find((e) => e.actionName === "transcribe_audio");
    expect(media?.status).toBe("success");
    expect(media?.tags).toContain("attachment");
  });

  it("describes an image and answers what is written in it, with the customer's caption first", async () => {
    const c = conversation();
    const dataUrl = world.chatwoot.addFile(
      "nota.jpg",
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
      "image/jpeg",
    );
    openai.enqueueReply({
      content: "Una nota escrita a mano: «quiero reservar botox el 20 de enero a las 10am».",
    });
    const t = incomingTurn({
      companyId: world.companyId,
      conversationId: c,
      text: "Hola, os mando esto",
      attachments: [{ fileType: "image", dataUrl }],
    });
    await queue.enqueue(t);
    await waitFor(() => world.replies(c, [t.messageId]).length === 1, "the reply to the image");
    const reply = world.replies(c, [t.messageId])[0]?.message.content ?? "";
    expect(reply).toContain("Bótox");
    expect(reply).toContain("20 de enero");
    const vision = openai.requests.find(
      (r) => r.path === "/v1/chat/completions" && JSON.stringify(r.body).includes("image_url"),
    );
    expect(vision, "the image went to the model as an image_url part").toBeDefined();
    const audit = await (await app.tenant(world.companyId)).audit.query({
      conversationId: String(c),
      limit: 50,
    });
    expect(audit.entries.find((e) => e.actionName === "analyze_image")?.status).toBe("success");
  });
});
