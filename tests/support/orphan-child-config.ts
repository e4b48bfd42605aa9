/** Settings of the orphan-recovery worker process (tests/support/orphan-child.ts). */
export interface OrphanChildConfig {
  redisUrl: string;
  prefix: string;
  companyId: string;
  calendarPath: string;
  /** Kill point: inside the handler after or before the event is written. */
  when: "after" | "before";
  idempotencyKey: string;
  leaseMs: number;
  booking: Record<string, unknown>;
}

export const ORPHAN_HOURS = { days: [0, 1, 2, 3, 4, 5, 6], open: "09:00", close: "20:00", slotMinutes: 30 };
