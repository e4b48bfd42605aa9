#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { App } from "../app.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { registerAuditCommands } from "./audit-commands.js";
import { runDemo } from "./demo.js";
import { CliError } from "./format.js";
import { registerSagaCommands } from "./saga-commands.js";

const state: { app: Promise<App> | null } = { app: null };
/**
 * Built and started on first use (so `--help` works even with a bad environment): a Redis that
 * does not answer stops the command here with one line naming the URL and the reason.
 */
function getApp(): Promise<App> {
  state.app ??= App.create(loadConfig());
  return state.app;
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
    "book, notify and roll back a visit on embedded defaults (no keys, no services), then show the audit trail",
  )
  .option("--json", "machine-readable summary")
  .action(async (o: { json?: boolean }) => runDemo(await getApp(), { json: o.json === true, out }));

registerAuditCommands(program, { audit: async (companyId) => (await getApp()).auditFor(companyId), out });

registerSagaCommands(program, {
  orchestrator: async (companyId) => (await (await getApp()).tenant(companyId)).sagas,
  out,
});

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
