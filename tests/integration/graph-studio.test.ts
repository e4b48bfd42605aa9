import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("the Studio export named in langgraph.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "studio-"));
  const before = { DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: process.env.LOG_LEVEL };
  afterAll(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads the graph from the path langgraph.json names, compiled without a checkpointer", async () => {
    process.env.DATA_DIR = dir;
    process.env.LOG_LEVEL = "silent";
    const config = JSON.parse(readFileSync(join(root, "langgraph.json"), "utf8")) as {
      graphs: Record<string, string>;
    };
    const [file, exported] = (config.graphs.clinic ?? "").split(":");
    const mod = (await import(resolve(root, file as string))) as Record<string, unknown>;
    const graph = mod[exported as string] as {
      nodes: Record<string, unknown>;
      checkpointer?: unknown;
      getGraphAsync(): Promise<{ edges: { source: string; target: string }[] }>;
    };
    expect(Object.keys(graph.nodes).sort()).toEqual(
      [
        "__start__",
        "begin_booking",
        "cancel_booking",
        "create_ticket",
        "execute_booking",
        "rollback",
        "router",
        "sales_agent",
        "schedule_agent",
        "send_notification",
        "support_agent",
      ].sort(),
    );
    expect(graph.checkpointer).toBeUndefined();
    const edges = (await graph.getGraphAsync()).edges.map((e) => `${e.source}->${e.target}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        "__start__->router",
        "router->schedule_agent",
        "schedule_agent->begin_booking",
        "execute_booking->send_notification",
        "execute_booking->rollback",
        "send_notification->rollback",
        "support_agent->create_ticket",
        "create_ticket->rollback",
        "rollback->__end__",
      ]),
    );
  });
});
