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
    await setupOnce(() => saver.setup());
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

/**
 * Creates the checkpoint tables. Processes starting together on a new database race to create them
 * (one gets a duplicate-object error while another commits): the loser tries again and finds them.
 */
async function setupOnce(setup: () => Promise<void>, tries = 4): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await setup();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 100 * i + Math.random() * 100));
    }
  }
}
