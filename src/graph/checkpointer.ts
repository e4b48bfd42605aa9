import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";

/**
 * The checkpointer of the conversations: Postgres (`PostgresSaver`) when a DATABASE_URL is set,
 * else SQLite (`SqliteSaver`) in `DATA_DIR/checkpoints.db`. Tables are created on first use.
 */
export async function createCheckpointer(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Postgres schema (default public). */
  schema?: string;
}): Promise<{ saver: BaseCheckpointSaver; kind: "postgres" | "sqlite"; close(): Promise<void> }> {
  if (options.databaseUrl) {
    const { PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
    const saver = PostgresSaver.fromConnString(
      options.databaseUrl,
      options.schema ? { schema: options.schema } : {},
    );
    await saver.setup();
    return { saver, kind: "postgres", close: () => saver.end() };
  }
  const { SqliteSaver } = await import("@langchain/langgraph-checkpoint-sqlite");
  mkdirSync(options.dataDir, { recursive: true });
  const saver = SqliteSaver.fromConnString(join(options.dataDir, "checkpoints.db"));
  return {
    saver,
    kind: "sqlite",
    close: async () => {
      saver.db.close();
    },
  };
}
