import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditManager } from "../../src/audit/audit-manager.js";
import { AuditError } from "../../src/audit/errors.js";
import type { AuditStore } from "../../src/audit/store.js";
import { makeStore, type StoreHarness } from "../support/audit-stores.js";

describe("AuditManager as the guide calls it", () => {
  it("refuses to construct without a store, saying what to pass", () => {
    const build = () => new AuditManager({ companyId: "benova" } as { companyId: string; store: AuditStore });
    expect(build).toThrow(AuditError);
    expect(build).toThrow(/store: expected an audit store.*RedisAuditStore.*SqliteAuditStore/);
  });

  describe.each(["redis", "sqlite"] as const)("on %s", (kind) => {
    let h: StoreHarness;
    let audit: AuditManager;
    beforeEach(async () => {
      h = await makeStore(kind);
      audit = new AuditManager({ companyId: "benova", store: h.store, sealIntervalMs: 0 });
    });
    afterEach(async () => {
      await audit.close();
      await h.cleanup();
    });

    const log = (userId: string, actionType = "booking") =>
      audit.logAction({ userId, actionType, actionName: `${actionType}.x` });

    it("takes the limit positionally and defaults to 100, as the guide", async () => {
      for (let i = 0; i < 120; i++) await log("user_maria", i % 2 === 0 ? "booking" : "notification");
      expect(await audit.getUserActions("user_maria", 50)).toHaveLength(50);
      expect(await audit.getUserActions("user_maria", { limit: 7 })).toHaveLength(7);
      expect(await audit.getUserActions("user_maria")).toHaveLength(100);
      const bookings = await audit.getActionsByType("booking", 100);
      expect(bookings).toHaveLength(60);
      expect(bookings.every((b) => b.actionType === "booking")).toBe(true);
      expect(await audit.getActionsByType("notification", 3)).toHaveLength(3);
      expect(await audit.getActionsByType("notification")).toHaveLength(60);
    });

    it("names the limit when it is not a whole number from 1 to 1000", async () => {
      await expect(audit.getUserActions("u", 0)).rejects.toThrow(/limit: expected a whole number/);
      await expect(audit.getActionsByType("booking", 2.5)).rejects.toThrow(/limit/);
    });

    it("keeps a duration exactly as given (250.5 ms stays 250.5)", async () => {
      const entry = await audit.logAction({
        userId: "user_123",
        actionType: "booking",
        actionName: "google_calendar.create_event",
        inputParams: { date: "2031-01-20", time: "10:00" },
        compensable: true,
        compensationAction: "google_calendar.delete_event",
        compensationParams: { event_id: "to_be_filled" },
        agentName: "schedule_agent",
        conversationId: "conv_456",
        tags: ["booking", "calendar"],
      });
      await audit.markSuccess(entry.auditId, { event_id: "evt_abc123", status: "confirmed" }, 250.5);
      const stored = await audit.getEntry(entry.auditId);
      expect(stored?.durationMs).toBe(250.5);
      expect(stored?.compensationParams).toEqual({ event_id: "to_be_filled" });
    });
  });
});
