import type { Command } from "commander";
import type { AppConfig } from "../config/index.js";
import { openService } from "../server/worker/service.js";
import { untilSignal } from "../server/worker/worker-process.js";
import { CliError } from "./format.js";

interface ServeDeps {
  config(): AppConfig;
  out(text: string): void;
}

/**
 * `serve`: the Chatwoot webhook server and a worker in one process until SIGTERM or SIGINT; then
 * webhooks stop being taken and the requests and turns in flight finish.
 */
export function registerServeCommand(program: Command, deps: ServeDeps): void {
  program
    .command("serve")
    .description(
      "the Chatwoot webhook server (POST /webhooks/chatwoot, /healthz, /readyz, /metrics) with a worker in the same process: the Redis turn queue with REDIS_URL, else an in-process queue",
    )
    .option("--port <n>", "port to listen on (default PORT, 3000)")
    .option("--host <address>", "address to listen on", "0.0.0.0")
    .action(async (o: { port?: string; host: string }) => {
      let port: number | undefined;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new CliError(
            `--port: expected a port number from 0 to 65535 (got ${JSON.stringify(o.port)})`,
          );
        }
      }
      const service = await openService({
        config: deps.config(),
        host: o.host,
        ...(port !== undefined ? { port } : {}),
      });
      deps.out(
        `serving on ${service.url} (webhook: ${service.url}/webhooks/chatwoot, queue: ${service.queueKind}); SIGTERM or Ctrl-C stops it`,
      );
      const signal = await untilSignal();
      deps.out(`serve: ${signal}, finishing the requests and turns in flight`);
      await service.close({ timeoutMs: 30_000 });
    });
}
