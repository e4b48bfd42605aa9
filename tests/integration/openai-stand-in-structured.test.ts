import OpenAI, { InternalServerError, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIStandIn } from "../support/openai-stand-in.js";

const KEY = "sk-stand-in-structured";
const standIn = new OpenAIStandIn({ apiKey: KEY });
let client: OpenAI;

beforeAll(async () => {
  client = new OpenAI({ apiKey: KEY, baseURL: await standIn.start(), maxRetries: 0 });
});
afterAll(() => standIn.close());

const messages = [{ role: "user" as const, content: "Quiero bótox el 20" }];
const answer = { treatment: "Bótox", date: "2027-01-20" };
const parameters = {
  type: "object",
  properties: { treatment: { type: "string" }, date: { type: "string" } },
  required: ["treatment", "date"],
  additionalProperties: false,
};

describe("OpenAI stand-in: scripted structured answers and errors", () => {
  it("puts a structured answer in the content for response_format json_schema", async () => {
    standIn.enqueueReply({ structured: answer });
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      response_format: {
        type: "json_schema",
        json_schema: { name: "slots", strict: true, schema: parameters },
      },
    });
    expect(res.choices[0]?.finish_reason).toBe("stop");
    expect(JSON.parse(res.choices[0]?.message.content ?? "")).toEqual(answer);
  });

  it("answers with a call of the forced function for tool_choice", async () => {
    standIn.enqueueReply({ structured: answer });
    const res = await client.chat.completions.create({
      model: "gpt-4-turbo",
      messages,
      tools: [{ type: "function", function: { name: "slots", parameters } }],
      tool_choice: { type: "function", function: { name: "slots" } },
    });
    const [call] = res.choices[0]?.message.tool_calls ?? [];
    expect(res.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("slots");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual(answer);
  });

  it("refuses a structured answer for a request that asks for none, naming the script error", async () => {
    standIn.enqueueReply({ structured: answer });
    const err = await client.chat.completions.create({ model: "gpt-4o-mini", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(String(err.message)).toMatch(/stand-in script error: a structured answer was scripted/);
    expect(standIn.pendingReplies).toBe(1); // kept, as with any script error
    standIn.clearReplies();
  });

  it("answers scripted errors in their turn among the replies", async () => {
    standIn.enqueueReply({ error: { status: 429, message: "slow down" } });
    standIn.enqueueReply({ content: "hola" });
    const err = await client.chat.completions.create({ model: "gpt-4o-mini", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const ok = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
    expect(ok.choices[0]?.message.content).toBe("hola");
    expect(standIn.pendingReplies).toBe(0);
  });
});
