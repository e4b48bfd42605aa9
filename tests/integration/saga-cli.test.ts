import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerSagaCommands } from "../../src/cli/saga-commands.js";
import { CompensationOrchestrator } from "../../src/saga/orchestrator.js";
import { makeSagaHarness, type SagaHarness } from "../support/saga-stores.js";

const FAST = { maxRetries: 1, baseDelayMs: 2, maxDelayMs: 5, jitter: 0 };

describe("agent-ledger saga list|show|recover", () => {
  let h: SagaHarness;
  let sagas: CompensationOrchestrator;
  let output: string[];
  const undone: Record<string, unknown>[] = [];

  const cli = async (...args: string[]) => {
    output = [];
    const program = new Command("agent-ledger").exitOverride();
    registerSagaCommands(program, {
      orchestrator: async (companyId) => {
        if (companyId && companyId !== "benova") throw new Error(`unknown tenant ${companyId}`);
        return sagas;
      },
      out: (text) => output.push(text),
    });
    await program.parseAsync(["node", "agent-ledger", ...args]);
    return output.join("\n");
  };

  beforeEach(async () => {
    h = await makeSagaHarness("redis");
    sagas = new CompensationOrchestrator({
      companyId: "benova",
      auditManager: h.audit,
      store: h.store,
      retry: FAST,
      leaseMs: 60,
    });
    sagas.registerCompensation("release_slot", (params) => {
      undone.push(params);
    });
    process.exitCode = undefined;
  });
  afterEach(async () => {
    process.exitCode = undefined;
    await h.cleanup();
  });

  async function failedSaga(): Promise<string> {
    const { sagaId } = await sagas.createSaga({
      userId: "u1",
      sagaName: "complete_booking_flow",
      conversationId: "c1",
    });
    sagas.addAction(sagaId, {
      actionType: "booking",
      actionName: "create_booking",
      executor: () => ({ success: true, data: { event_id: "ev1" } }),
      compensator: () => {
        throw Object.assign(new Error("calendar said 503"), { retriable: true });
      },
    });
    sagas.addAction(sagaId, {
      actionType: "notification",
      actionName: "send_email",
      maxRetries: 0,
      executor: () => ({ success: false, error: "mailbox full", errorCode: "EMAIL_FAILED" }),
    });
    await sagas.executeSaga(sagaId);
    return sagaId;
  }

  it("lists sagas as a table and as JSON, filtered by status", async () => {
    const { sagaId: ok } = await sagas.createSaga({ userId: "u2", sagaName: "quick", conversationId: null });
    sagas.addAction(ok, { actionType: "api_call", actionName: "noop", executor: () => ({ success: true }) });
    await sagas.executeSaga(ok);
    const bad = await failedSaga();

    const text = await cli("saga", "list");
    expect(text).toMatch(/sagaId\s+createdAt\s+status/);
    expect(text).toContain(ok);
    expect(text).toContain(bad);
    expect(text).toMatch(/compensation_failed\s+complete_booking_flow\s+u1\s+2\/2\s+send_email/);

    const json = JSON.parse(await cli("saga", "list", "--status", "compensation_failed", "--json"));
    expect(json.map((s: { sagaId: string }) => s.sagaId)).toEqual([bad]);
    await expect(cli("saga", "list", "--status", "stuck")).rejects.toThrow(/--status: expected one of/);
  });

  it("shows one saga as a timeline with attempts, audit ids and the undo that failed", async () => {
    const sagaId = await failedSaga();
    const text = await cli("saga", "show", sagaId);
    const audit = (await h.audit.query({ sagaId })).entries.find((e) => e.actionName === "create_booking");
    expect(text).toContain(`saga ${sagaId}  complete_booking_flow  [compensation_failed]`);
    expect(text).toContain("failed at: send_email: mailbox full");
    expect(text).toContain(
      `‼ #0 create_booking (booking)  compensation_failed  [attempts 1, audit ${audit?.auditId}`,
    );
    expect(text).toContain("undo failed after 2 attempts: calendar said 503");
    expect(text).toContain("✗ #1 send_email (notification)  failed");
    expect(JSON.parse(await cli("saga", "show", sagaId, "--json")).steps).toHaveLength(2);
    await expect(cli("saga", "show", "01J00000000000000000000000")).rejects.toThrow(/not found/);
  });

  it("recovers a saga whose process died and reports what it did", async () => {
    expect(await cli("saga", "recover")).toBe("nothing to recover: no saga has an expired lease");

    // A process took the saga, ran its first step, wrote that down, and died.
    const { sagaId } = await sagas.createSaga({
      userId: "u3",
      sagaName: "complete_booking_flow",
      conversationId: "c3",
    });
    const claim = await h.store.claim("benova", sagaId, {
      owner: "dead-worker",
      leaseMs: 30,
      statuses: ["created"],
    });
    if (!claim.ok) throw new Error("claim failed");
    const entry = await h.audit.logAction({
      userId: "u3",
      actionType: "booking",
      actionName: "hold_slot",
      compensable: true,
      compensationAction: "release_slot",
      sagaId,
      idempotencyKey: `${sagaId}:0`,
    });
    await h.audit.markSuccess(entry.auditId, { slot: "s1" }, 5, { compensationParams: { slot: "s1" } });
    const record = claim.saga.record;
    record.status = "running";
    const held = {
      index: 0,
      actionType: "booking",
      actionName: "hold_slot",
      kind: "lambda",
      toolName: null,
      parameters: {},
      status: "succeeded",
      idempotencyKey: `${sagaId}:0`,
      maxRetries: null,
      timeoutMs: null,
      compensation: { kind: "handler", name: "release_slot", parameters: { slot: "s1" } },
      hasCompensator: true,
      auditId: entry.auditId,
      attempts: 1,
      result: { slot: "s1" },
      error: null,
      startedAt: record.createdAt,
      finishedAt: record.createdAt,
      compensationAuditId: null,
      compensationAttempts: 0,
      compensationError: null,
      compensatedAt: null,
      attention: null,
    } as const;
    // The second step (planned) never ran.
    record.steps = [
      held,
      {
        ...held,
        index: 1,
        actionName: "send_email",
        status: "planned",
        idempotencyKey: `${sagaId}:1`,
        compensation: null,
        auditId: null,
        result: null,
      },
    ];
    await h.store.save(record, { owner: "dead-worker" });
    await new Promise((r) => setTimeout(r, 60));

    const text = await cli("saga", "recover");
    expect(text).toContain("1 of 1 sagas recovered");
    expect(text).toMatch(new RegExp(`${sagaId}\\s+complete_booking_flow\\s+running\\s+compensated`));
    expect(undone).toContainEqual({ slot: "s1" });
    expect((await h.audit.getEntry(entry.auditId))?.status).toBe("compensated");
    expect(process.exitCode).toBeUndefined();
    const shown = await cli("saga", "show", sagaId);
    expect(shown).toContain("recovered by");
    expect(shown).toContain("↩ #0 hold_slot (booking)  compensated");
  });
});
