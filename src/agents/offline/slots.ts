import type { AgentTools } from "../types.js";
import { addDays, fromMinutes, toMinutes } from "./clock.js";

export interface SlotRules {
  /** Length of the calendar's slots in minutes; a longer treatment needs consecutive free ones. */
  slotMinutes: number;
  /** Opening hours, when known, to tell "closed then" from "taken". */
  hours?: { open: string; close: string };
  /** Days after the requested one searched for alternatives. */
  horizonDays: number;
  /** The customer's own booking being moved: its slots count as free, it is theirs to give up. */
  release?: { date: string; time: string; duration: number };
}

export interface SlotCheck {
  /** The clinic opens that day. */
  open: boolean;
  /** The requested time is free for the whole duration. */
  free: boolean;
  /** The requested time is outside the opening hours. */
  outsideHours: boolean;
  /** Start times of the day where the treatment fits. */
  dayStarts: string[];
}

/** Start times of `free` where `duration` minutes of consecutive free slots begin. */
export function startsThatFit(free: readonly string[], duration: number, slotMinutes: number): string[] {
  const set = new Set(free);
  return free.filter((start) => {
    for (let m = toMinutes(start); m < toMinutes(start) + duration; m += slotMinutes) {
      if (!set.has(fromMinutes(m))) return false;
    }
    return true;
  });
}

/** Checks one date and time through the agent's availability tool. */
export async function checkSlot(
  tools: AgentTools,
  date: string,
  time: string | undefined,
  duration: number,
  rules: SlotRules,
): Promise<SlotCheck> {
  const day = await tools.checkAvailability(date);
  const free = [...day.free];
  const own = rules.release;
  if (own?.date === date) {
    for (let m = toMinutes(own.time); m < toMinutes(own.time) + own.duration; m += rules.slotMinutes) {
      free.push(fromMinutes(m));
    }
  }
  const sorted = [...new Set(free)].sort();
  const dayStarts = day.open ? startsThatFit(sorted, duration, rules.slotMinutes) : [];
  const outsideHours =
    time !== undefined &&
    rules.hours !== undefined &&
    (toMinutes(time) < toMinutes(rules.hours.open) ||
      toMinutes(time) + duration > toMinutes(rules.hours.close));
  return { open: day.open, free: time !== undefined && dayStarts.includes(time), outsideHours, dayStarts };
}

/**
 * Up to `limit` free starts nearest to the requested one: that day first (closest in time, the
 * earlier on a tie), then the next open days in order, earliest first.
 */
export async function nearestSlots(
  tools: AgentTools,
  date: string,
  time: string | undefined,
  duration: number,
  rules: SlotRules,
  limit = 3,
): Promise<{ date: string; time: string }[]> {
  const picked: { date: string; time: string }[] = [];
  const first = await checkSlot(tools, date, undefined, duration, rules);
  const target = time === undefined ? 0 : toMinutes(time);
  const sameDay = first.dayStarts
    .filter((t) => t !== time)
    .sort(
      (a, b) =>
        Math.abs(toMinutes(a) - target) - Math.abs(toMinutes(b) - target) || toMinutes(a) - toMinutes(b),
    );
  for (const t of sameDay.slice(0, limit)) picked.push({ date, time: t });
  for (let i = 1; i <= rules.horizonDays && picked.length < limit; i++) {
    const next = addDays(date, i);
    const day = await checkSlot(tools, next, undefined, duration, rules);
    for (const t of day.dayStarts) {
      if (picked.length >= limit) break;
      picked.push({ date: next, time: t });
    }
  }
  return picked;
}

/** A few starts spread over the day ("10:00, 12:30, 16:00, 18:30") rather than the first four. */
export function spread(starts: readonly string[], count = 4): string[] {
  if (starts.length <= count) return [...starts];
  const step = (starts.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => starts[Math.round(i * step)] ?? "").filter((s) => s !== "");
}
