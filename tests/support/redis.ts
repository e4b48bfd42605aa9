import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

/** A connection to the run's private Redis. */
export function testRedis(): Redis {
  return new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
}

/** A key prefix no other test uses (BullMQ style), so tests can run side by side. */
export function uniquePrefix(name = "t"): string {
  return `${name}-${randomBytes(5).toString("hex")}`;
}

/** Deletes every key that starts with the prefix. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
