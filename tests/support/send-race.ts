import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SendMessageInput } from "../../src/services/chatwoot/index.js";
import type { ExecuteToolInput, ToolResult } from "../../src/tools/types.js";

const CHILD = fileURLToPath(new URL("./send-race-child.ts", import.meta.url));

/** What the parent asks a worker: run a tool call, or send WhatsApp directly with a short claim lease; at `at` (epoch ms). */
export type SendRaceCommand =
  | { type: "tool"; id: number; at: number; input: ExecuteToolInput }
  | { type: "whatsapp"; id: number; at: number; message: SendMessageInput; leaseMs: number }
  | { type: "exit" };

export type SendRaceReply = { type: "ready" } | { type: "result"; id: number; result: unknown };

/** One worker process with its own `App`, built from `env`. */
export class SendRaceWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();
  private errors = "";

  constructor(env: Record<string, string>) {
    this.child = fork(CHILD, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, SEND_RACE_CHILD: JSON.stringify(env) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.errors += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve([code, signal])));
    this.ready = new Promise((resolve, reject) => {
      this.child.on("message", (m: SendRaceReply) => {
        if (m.type === "ready") resolve();
        else this.waiting.get(m.id)?.(m.result);
      });
      void this.exited.then(([code, signal]) =>
        reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${this.errors}`)),
      );
    });
  }

  /** Runs a tool call at `at`; resolves with its ToolResult. */
  tool(input: ExecuteToolInput, at: number): Promise<ToolResult> {
    return this.ask({ type: "tool", id: 0, at, input }) as Promise<ToolResult>;
  }

  /** Sends WhatsApp directly (not through the executor) with a claim lease of `leaseMs`. */
  whatsapp(message: SendMessageInput, leaseMs: number, at = Date.now()): Promise<unknown> {
    return this.ask({ type: "whatsapp", id: 0, at, message, leaseMs });
  }

  private ask(command: SendRaceCommand & { id: number }): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      void this.exited.then(([code, signal]) =>
        reject(new Error(`worker exited (${code ?? signal}) before answering:\n${this.errors}`)),
      );
      this.child.send({ ...command, id });
    });
  }

  stderr(): string {
    return this.errors;
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }

  /** Closes the worker's App and waits for the process to end. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.send({ type: "exit" });
    await this.exited;
  }
}
