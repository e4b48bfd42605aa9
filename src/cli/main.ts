#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { App } from "../app.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { registerAuditCommands } from "./audit-commands.js";
import { runDemo } from "./demo.js";
import { CliError } from "./format.js";
import { registerSagaCommands } from "./saga-commands.js";

const state: { app: App | null } = { app: null };
/** Built on first use, so `--help` works even with a bad environment. */
function getApp(): App {
  state.app ??= new App(loadConfig());
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
  .action(async (o: { json?: boolean }) => runDemo(getApp(), { json: o.json === true, out }));

registerAuditCommands(program, { audit: async (companyId) => getApp().auditFor(companyId), out });

registerSagaCommands(program, {
  orchestrator: async (companyId) => (await getApp().tenant(companyId)).sagas,
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
  await state.app?.close();
}
