#!/usr/bin/env node
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { App, type AppOptions } from "../app.js";
import { type AppConfig, ConfigError, loadConfig } from "../config/index.js";
import { registerAuditCommands } from "./audit-commands.js";
import { registerConverseCommand } from "./converse-command.js";
import { runDemo } from "./demo.js";
import { CliError } from "./format.js";
import { registerSagaCommands } from "./saga-commands.js";
import { registerServeCommand } from "./serve-command.js";
import { registerWorkerCommand } from "./worker-command.js";

const state: { app: Promise<App> | null } = { app: null };
/**
 * Built and started on first use (so `--help` works even with a bad environment): a Redis that
 * does not answer stops the command here with one line naming the URL and the reason.
 */
function getApp(options: (config: AppConfig) => AppOptions = () => ({})): Promise<App> {
  if (!state.app) {
    const config = loadConfig();
    state.app = App.create(config, options(config));
  }
  return state.app;
}

/**
 * The demo prints a transcript: unless LOG_LEVEL is set, its log lines go to DATA_DIR/demo.log
 * instead of stderr, so none interleave with the conversation.
 */
function demoLogs(config: AppConfig): AppOptions {
  if (process.env.LOG_LEVEL) return {};
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, "demo.log");
  return { logWrite: (line) => appendFileSync(file, `${line}\n`) };
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const program = new Command("agent-ledger")
  .description(
    "Audited tool execution, tamper-evident audit trail and durable sagas for a clinic's customer-service agents",
  )
  .exitOverride()
  .showHelpAfterError(false);

program
  .command("demo")
  .description(
    "two scripted Spanish conversations on embedded defaults (no keys, no services): one booking goes through, one is rolled back; then the audit trail. Logs go to DATA_DIR/demo.log unless LOG_LEVEL is set",
  )
  .option("--json", "machine-readable summary")
  .action(async (o: { json?: boolean }) => runDemo(await getApp(demoLogs), { json: o.json === true, out }));

registerConverseCommand(program, { app: () => getApp(), out });

registerAuditCommands(program, { audit: async (companyId) => (await getApp()).auditFor(companyId), out });

registerSagaCommands(program, {
  orchestrator: async (companyId) => (await (await getApp()).tenant(companyId)).sagas,
  out,
});

registerWorkerCommand(program, { config: () => loadConfig(), out });
registerServeCommand(program, { config: () => loadConfig(), out });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    const known =
      err instanceof CliError ||
      err instanceof ConfigError ||
      (err as { name?: string })?.name?.endsWith("Error");
    process.stderr.write(`error: ${known ? (err as Error).message : String(err)}\n`);
    process.exitCode = 2;
  }
} finally {
  // A failed start has closed what it opened already; only a started app is left to close.
  const app = await state.app?.catch(() => null);
  await app?.close();
}
