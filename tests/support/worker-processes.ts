import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TurnReport } from "../../src/server/observer.js";
import type { WorkerChildConfig, WorkerChildMessage } from "./worker-child.js";

const CHILD = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

/** A worker process (tests/support/worker-child.ts) and the turns it reported. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  readonly turns: TurnReport[] = [];
  private errors = "";

  constructor(config: WorkerChildConfig) {
    this.child = fork(CHILD, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, WORKER_CHILD: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.errors += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve([code, signal])));
    this.ready = new Promise((resolve, reject) => {
      this.child.on("message", (m: WorkerChildMessage) => {
        if (m.type === "ready") resolve();
        else if (m.type === "turn") this.turns.push(m.report);
      });
      void this.exited.then(([code, signal]) =>
        reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${this.errors}`)),
      );
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** What the process wrote to stderr. */
  get stderr(): string {
    return this.errors;
  }

  /** SIGTERM: the worker finishes its turns in flight and exits 0. */
  async stop(): Promise<[number | null, NodeJS.Signals | null]> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }

  /** SIGKILL: the worker dies wherever it is. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** Starts `n` worker processes and waits until each consumes. */
export async function startWorkers(n: number, config: WorkerChildConfig): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: n }, () => new WorkerProcess(config));
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}
