import { describe, expect, it } from "vitest";
import { conversationNumberOf, studioIdentity } from "../../src/graph/studio.js";

const deps = { companyId: "benova" };
const empty = { companyId: "", userId: "", conversationId: "" };
const thread = (thread_id: string) => ({ configurable: { thread_id } });

describe("the Studio graph's identity for inputs that carry only messages", () => {
  it("fills tenant, conversation (from the thread id) and customer when the input has none", () => {
    const threadId = "1f0c2a9e-7b1d-4c55-9e0a-3f2b8d6c1a77";
    const n = conversationNumberOf(threadId);
    expect(Number.isInteger(n) && n >= 1 && n <= 2_000_000_000).toBe(true);
    expect(studioIdentity(empty, thread(threadId), deps)).toEqual({
      companyId: "benova",
      conversationId: String(n),
      userId: `studio-${n}`,
    });
  });

  it("gives each thread its own conversation and the same one on every turn", () => {
    const a = studioIdentity(empty, thread("thread-a"), deps).conversationId;
    expect(studioIdentity(empty, thread("thread-a"), deps).conversationId).toBe(a);
    expect(studioIdentity(empty, thread("thread-b"), deps).conversationId).not.toBe(a);
  });

  it("keeps what the input gave and sets nothing else", () => {
    const given = { companyId: "benova", userId: "34600111222", conversationId: "42" };
    expect(studioIdentity(given, thread("t"), deps)).toEqual({});
    expect(studioIdentity({ ...empty, conversationId: "42" }, undefined, deps)).toEqual({
      companyId: "benova",
      userId: "studio-42",
    });
  });

  it("refuses another tenant, and a run with neither a conversation id nor a thread id", () => {
    expect(() => studioIdentity({ ...empty, companyId: "other" }, thread("t"), deps)).toThrow(
      /companyId: this graph serves tenant "benova".*got "other"/,
    );
    expect(() => studioIdentity(empty, undefined, deps)).toThrow(/conversationId: expected in the input/);
    expect(() => studioIdentity(empty, { configurable: {} }, deps)).toThrow(/thread_id/);
  });
});
