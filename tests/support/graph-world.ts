import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { App, type AppOptions, type TenantRuntime } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { scriptedAgents } from "./graph-agents.js";
import { SmtpStandIn } from "./smtp-stand-in.js";

export const PG_ROOT = "postgres://postgres@127.0.0.1:5432/test";

/** Settings a child process needs to open the same world. */
export interface GraphWorldEnv {
  DATA_DIR: string;
  TENANTS_FILE: string;
  LOG_LEVEL: string;
  DATABASE_URL?: string;
}

/**
 * The app on embedded defaults (SQLite audit and saga stores, local calendar, local Chatwoot and
 * tickets) in a temp dir, with email through a real SMTP stand-in and the scripted agents; optionally
 * with a private Postgres database for the checkpoints.
 */
export class GraphWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "graph-"));
  readonly smtp = new SmtpStandIn();
  app!: App;
  env!: GraphWorldEnv;
  private database: string | null = null;

  /** `tenant`: more settings of the benova tenant (e.g. `requireApproval`). */
  async start(options: { postgres?: boolean; tenant?: Record<string, unknown> } = {}): Promise<this> {
    await this.smtp.start();
    const tenants = join(this.dir, "tenants.json");
    writeFileSync(
      tenants,
      JSON.stringify([
        {
          companyId: "benova",
          name: "Clínica Benova",
          timeZone: "Europe/Madrid",
          email: {
            smtpHost: this.smtp.host,
            smtpPort: this.smtp.port,
            useTls: false,
            fromEmail: "citas@benova.example",
            providers: ["smtp"],
          },
          ...options.tenant,
        },
      ]),
    );
    this.env = { DATA_DIR: this.dir, TENANTS_FILE: tenants, LOG_LEVEL: "silent" };
    if (options.postgres) {
      this.database = `graph_${Date.now().toString(36)}_${process.pid}`;
      const client = new pg.Client(PG_ROOT);
      await client.connect();
      await client.query(`CREATE DATABASE ${this.database}`);
      await client.end();
      this.env.DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${this.database}`;
    }
    this.app = new App(loadConfig({ ...this.env }), { agents: () => scriptedAgents });
    return this;
  }

  /** Closes the app and opens a new one on the same data folder, as a restarted process would. */
  async restart(options: AppOptions = {}): Promise<App> {
    await this.app.close();
    this.app = new App(loadConfig({ ...this.env }), { agents: () => scriptedAgents, ...options });
    return this.app;
  }

  tenant(): Promise<TenantRuntime> {
    return this.app.tenant("benova");
  }

  /** Subjects of the emails the SMTP stand-in accepted. */
  subjects(): string[] {
    return this.smtp.messages.map((m) => String(m.parsed?.subject ?? ""));
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.smtp.close();
    if (this.database) {
      const client = new pg.Client(PG_ROOT);
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
      await client.end();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
