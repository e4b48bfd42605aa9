import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface Injected {
  remaining: number;
  status: number;
  delayMs: number;
}

/**
 * The shared part of the HTTP stand-ins: a loopback server on a free port that hands each request
 * with its whole body to `handle`, and failure injection (`failNext`, `delayNext`) that `handle`
 * consumes with `takeInjected()`.
 */
export abstract class HttpStandIn {
  private readonly injected: Injected[] = [];
  private server: Server | null = null;
  private baseUrl = "";

  get url(): string {
    return this.baseUrl;
  }

  /** The next `count` requests are answered with `status` (after `delayMs`, if given). */
  failNext(count: number, status: number, delayMs = 0): this {
    this.injected.push({ remaining: count, status, delayMs });
    return this;
  }

  /** The next `count` requests are answered normally, but only after `ms` milliseconds. */
  delayNext(count: number, ms: number): this {
    this.injected.push({ remaining: count, status: 0, delayMs: ms });
    return this;
  }

  reset(): void {
    this.injected.length = 0;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => void this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Consumes the next injected failure, waiting out its delay first. Returns the status to answer
   * with, 0 to answer normally (a pure delay), or null when nothing was injected.
   */
  protected async takeInjected(): Promise<number | null> {
    const next = this.injected.find((f) => f.remaining > 0);
    if (!next) return null;
    next.remaining--;
    if (next.remaining === 0) this.injected.splice(this.injected.indexOf(next), 1);
    if (next.delayMs > 0) await new Promise((r) => setTimeout(r, next.delayMs));
    return next.status;
  }

  protected abstract handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void>;
}
