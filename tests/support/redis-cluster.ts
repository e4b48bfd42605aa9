import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A port whose cluster-bus twin (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (!taken.has(port) && (await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error("no free port pair for a cluster node");
}

/** A private three-master Redis Cluster on loopback, for tests that must prove cluster safety. */
export class RedisClusterFixture {
  readonly ports: number[] = [];
  private readonly children: ChildProcess[] = [];
  private dir = "";

  async start(): Promise<{ host: string; port: number }[]> {
    this.dir = mkdtempSync(join(tmpdir(), "agent-ledger-cluster-"));
    const taken = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const port = await clusterPort(taken);
      taken.add(port);
      this.ports.push(port);
      this.children.push(
        spawn(
          "redis-server",
          [
            "--port",
            String(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            this.dir,
          ],
          { stdio: "ignore" },
        ),
      );
    }
    for (const port of this.ports) await this.waitFor(port, (out) => out.includes("PONG"), ["ping"]);
    await run("redis-cli", [
      "--cluster",
      "create",
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of this.ports)
      await this.waitFor(port, (out) => out.includes("cluster_state:ok"), ["cluster", "info"]);
    return this.ports.map((port) => ({ host: "127.0.0.1", port }));
  }

  async stop(): Promise<void> {
    for (const child of this.children) child.kill("SIGKILL");
    await Promise.all(
      this.children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)),
    );
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitFor(port: number, ok: (out: string) => boolean, args: string[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        const { stdout } = await run("redis-cli", ["-p", String(port), ...args]);
        if (ok(stdout)) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis cluster node ${port} did not become ready`);
  }
}
