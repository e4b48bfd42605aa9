import type { AuditStore } from "../../src/audit/store.js";
import type { SagaStore } from "../../src/saga/store.js";

/**
 * Kill points for crash tests: counts every durable write and every call to an external service,
 * once just before it and once just after, and SIGKILLs this process at event number `killAt`.
 * The process dies exactly as it would from `kill -9`: no `finally`, no flush, no lease release.
 */
export class KillSwitch {
  private count = 0;
  constructor(private readonly killAt: number | null) {}

  get events(): number {
    return this.count;
  }

  tick(): void {
    this.count++;
    if (this.killAt !== null && this.count >= this.killAt) process.kill(process.pid, "SIGKILL");
  }

  /** Runs `fn` between two kill points. */
  async around<T>(fn: () => Promise<T>): Promise<T> {
    this.tick();
    const value = await fn();
    this.tick();
    return value;
  }
}

/**
 * The same object with kill points around the named async methods. The methods still run on the
 * real object; only the moments before and after them become places to die.
 */
export function withKillPoints<T extends object>(target: T, methods: readonly string[], ks: KillSwitch): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof prop !== "string" || !methods.includes(prop) || typeof value !== "function") {
        return typeof value === "function" ? value.bind(obj) : value;
      }
      return (...args: unknown[]) =>
        ks.around(() => (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args));
    },
  });
}

export const SAGA_STORE_WRITES = ["create", "claim", "save"] as const satisfies readonly (keyof SagaStore)[];
export const AUDIT_STORE_WRITES = ["create", "transition"] as const satisfies readonly (keyof AuditStore)[];

/** A tiny seeded generator (mulberry32): the same seed gives the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
