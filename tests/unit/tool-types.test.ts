/**
 * The tool types: names, parameters and results derived from the registry. The `expectTypeOf`
 * assertions and the `@ts-expect-error` lines are checked by `npm run typecheck` (a misspelt tool
 * name or parameter that compiles makes the directive unused, which is an error); the calls also
 * run, showing that the run-time validation refuses the same mistakes.
 */
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { bookingData, bookingPlan } from "../../src/graph/booking-data.js";
import type { AnyToolCall, ToolCallOf } from "../../src/graph/tool-call.js";
import type { StepCall } from "../../src/graph/tool-step.js";
import {
  AuditManager,
  type Availability,
  BUILTIN_TOOLS,
  type CalendarResult,
  type CreateTicketResult,
  defineTool,
  type ExecuteToolInput,
  executeTyped,
  type KnowledgeSearchResponse,
  LocalCalendarService,
  SqliteAuditStore,
  type ToolDefinition,
  ToolExecutor,
  type ToolName,
  type ToolParams,
  type ToolParsedParams,
  type ToolResult,
  type ToolResultData,
} from "../../src/index.js";

const audit = new AuditManager({ companyId: "benova", store: new SqliteAuditStore({ path: ":memory:" }) });
const calendar = new LocalCalendarService({
  path: ":memory:",
  companyId: "benova",
  timeZone: "Europe/Madrid",
  openingHours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "20:00", slotMinutes: 30 },
  now: () => new Date("2030-01-01T00:00:00Z"),
});
const executor = new ToolExecutor({ companyId: "benova", auditManager: audit }).setCalendarService(calendar);

afterAll(async () => {
  await audit.close();
  await calendar.close();
});

describe("tool names", () => {
  it("ToolName is exactly the names in the registry", () => {
    const names: Record<ToolName, true> = {
      knowledge_base: true,
      google_calendar: true,
      send_email: true,
      send_whatsapp: true,
      create_ticket: true,
      close_ticket: true,
      transcribe_audio: true,
      analyze_image: true,
      text_to_speech: true,
    };
    expect(BUILTIN_TOOLS.map((t) => t.name).sort()).toEqual(Object.keys(names).sort());
    // @ts-expect-error a misspelt tool name is not a ToolName
    const misspelt: ToolName = "google_calender";
    expect(BUILTIN_TOOLS.some((t) => t.name === misspelt)).toBe(false);
  });
});

describe("parameter and result types", () => {
  it("callers send the schema's input, handlers receive its output", () => {
    expectTypeOf<ToolParams<"knowledge_base">>().toEqualTypeOf<{
      query: string;
      top_k?: number | undefined;
    }>();
    expectTypeOf<ToolParsedParams<"knowledge_base">>().toEqualTypeOf<{ query: string; top_k: number }>();
    expectTypeOf<ToolParsedParams<"google_calendar">["booking_data"]>().toEqualTypeOf<
      | {
          customer_name: string;
          customer_email?: string | undefined;
          customer_phone?: string | undefined;
          treatment: string;
          date: string;
          time: string;
          duration_minutes: number;
          notes?: string | undefined;
        }
      | undefined
    >();
    expectTypeOf<ToolResultData<"knowledge_base">>().toEqualTypeOf<KnowledgeSearchResponse>();
    expectTypeOf<ToolResultData<"create_ticket">>().toEqualTypeOf<CreateTicketResult>();
    expectTypeOf<ToolResultData<"google_calendar">>().toEqualTypeOf<CalendarResult>();
  });

  it("defineTool infers the handler's parameters from the schema and the result from run", async () => {
    const tool = defineTool({
      name: "count_words",
      description: "Counts words.",
      actionType: "api_call",
      service: "multimedia",
      schema: z.object({ text: z.string(), limit: z.string().transform(Number).default(10) }),
      run: async (p) => {
        expectTypeOf(p).toEqualTypeOf<{ text: string; limit: number }>();
        return { words: Math.min(p.text.split(/\s+/).length, p.limit) };
      },
    });
    expectTypeOf(tool.name).toEqualTypeOf<"count_words">();
    expectTypeOf<z.input<typeof tool.schema>>().toEqualTypeOf<{ text: string; limit?: string | undefined }>();
    // Assignable to the registry's list without a cast.
    const asListed: readonly ToolDefinition[] = [...BUILTIN_TOOLS, tool];
    expect(asListed).toHaveLength(BUILTIN_TOOLS.length + 1);
    const parsed = tool.schema.parse({ text: "a b c", limit: "2" });
    expect(await tool.run(parsed, {} as never, {} as never)).toEqual({ words: 2 });
  });
});

describe("executeTool with a built-in tool's name", () => {
  it("checks parameter names and types at compile time and types the result", async () => {
    const res = await executor.executeTool({
      toolName: "google_calendar",
      parameters: { action: "check_availability", date: "2030-01-07" },
      userId: "u",
    });
    expectTypeOf(res).toEqualTypeOf<ToolResult<CalendarResult>>();
    expect(res.success).toBe(true);
    const data = res.data;
    if (!data || !("slots" in data)) throw new Error(`expected availability, got ${JSON.stringify(data)}`);
    expectTypeOf(data).toEqualTypeOf<Availability>();
    expect(data.date).toBe("2030-01-07");

    const misspeltParameter = await executor.executeTool({
      toolName: "google_calendar",
      // @ts-expect-error `acton` is not a parameter of google_calendar
      parameters: { acton: "check_availability", date: "2030-01-07" },
    });
    expect(misspeltParameter.errorCode).toBe("INVALID_PARAMETERS");

    const wrongValue = await executor.executeTool({
      toolName: "google_calendar",
      // @ts-expect-error `check_avaliability` is not one of the actions
      parameters: { action: "check_avaliability", date: "2030-01-07" },
    });
    expect(wrongValue.errorCode).toBe("INVALID_PARAMETERS");

    const wrongType = await executor.executeTool({
      toolName: "knowledge_base",
      // @ts-expect-error top_k is a number
      parameters: { query: "botox", top_k: "3" },
    });
    expect(wrongType.errorCode).toBe("INVALID_PARAMETERS");
  });

  it("executeTyped also refuses a misspelt tool name", async () => {
    const res = await executeTyped(executor, {
      // @ts-expect-error `google_calender` is not a built-in tool
      toolName: "google_calender",
      parameters: { action: "check_availability", date: "2030-01-07" },
    });
    expect(res.errorCode).toBe("UNKNOWN_TOOL");
    const ok = await executeTyped(executor, {
      toolName: "google_calendar",
      parameters: { action: "list_bookings" },
    });
    expectTypeOf(ok.data).toEqualTypeOf<CalendarResult | null>();
    expect(ok.data).toEqual({ bookings: [] });
  });

  it("untyped callers (a string name, a plain record) keep working", async () => {
    const fromModel: ExecuteToolInput = JSON.parse(
      '{"toolName":"google_calendar","parameters":{"action":"list_bookings"}}',
    );
    const res = await executor.executeTool(fromModel);
    expectTypeOf(res.data).toEqualTypeOf<unknown>();
    expect(res.data).toEqual({ bookings: [] });
    const name: string = "google_calendar";
    const params: Record<string, unknown> = { action: "check_availability", date: "2030-01-08" };
    expect((await executor.executeTool({ toolName: name, parameters: params })).success).toBe(true);
    // A literal name with unchecked parameters: say so with `<string>`.
    const unchecked = await executor.executeTool<string>({
      toolName: "google_calendar",
      parameters: { action: "delete_everything" },
    });
    expect(unchecked.errorCode).toBe("INVALID_PARAMETERS");
  });
});

describe("the graph's tool calls", () => {
  const state = {
    companyId: "benova",
    conversationId: "42",
    locale: "es" as const,
    sharedContext: { customer: { phone: "+34600111222" }, appointment: null, ticket: null },
  };
  const appointment = {
    treatment: "Botox",
    date: "2030-01-07",
    time: "10:00",
    customer_name: "Ana",
    customer_email: "ana@example.com",
    has_appointment: true,
    status: "confirmed" as const,
    booking_ref: "ref1",
  };
  /** Whether the named built-in tool accepts the parameters (an unknown tool accepts nothing). */
  const accepts = (call: { toolName: string; parameters: unknown }) =>
    BUILTIN_TOOLS.find((t) => t.name === call.toolName)?.schema.safeParse(call.parameters).success ?? false;

  it("a tool node's call pairs a tool name with that tool's parameters", () => {
    const book: ToolCallOf<"google_calendar"> = {
      toolName: "google_calendar",
      parameters: { action: "create_booking", booking_data: bookingData(appointment, {}) },
    };
    expect(accepts(book)).toBe(true);
    // @ts-expect-error `google_calender` is not a built-in tool
    const misspeltTool: ToolCallOf<"google_calender"> = { toolName: "google_calender", parameters: {} };
    const misspeltParameter: AnyToolCall = {
      toolName: "send_whatsapp",
      // @ts-expect-error `mesage` is not a parameter of send_whatsapp
      parameters: { conversation_id: "42", mesage: "hola" },
    };
    const crossed: AnyToolCall = {
      toolName: "knowledge_base",
      // @ts-expect-error the calendar's parameters do not fit the knowledge base
      parameters: { action: "check_availability", date: "2030-01-07" },
    };
    const step: StepCall = {
      node: "create_ticket",
      agentName: "support",
      key: "k",
      toolName: "create_ticket",
      // @ts-expect-error `urgentísimo` is not a priority
      parameters: { conversation_id: "42", subject: "s", description: "d", priority: "urgentísimo" },
    };
    for (const call of [misspeltTool, misspeltParameter, crossed, step]) {
      expect(accepts(call)).toBe(false);
    }
  });

  it("the booking plan is typed per step and every step passes its tool's schema", () => {
    const [book, ...notifications] = bookingPlan(state, appointment, "Clínica Benova");
    expectTypeOf(book.toolName).toEqualTypeOf<"google_calendar">();
    expectTypeOf(book.parameters).toEqualTypeOf<ToolParams<"google_calendar">>();
    expectTypeOf(bookingData(appointment, {})).toEqualTypeOf<
      NonNullable<ToolParams<"google_calendar">["booking_data"]>
    >();
    expectTypeOf(notifications[0]?.toolName).toEqualTypeOf<"send_email" | "send_whatsapp" | undefined>();
    expect([book, ...notifications].map((s) => s.toolName)).toEqual([
      "google_calendar",
      "send_email",
      "send_whatsapp",
    ]);
    for (const s of [book, ...notifications]) expect(accepts(s)).toBe(true);
    // An appointment without a name is refused by the tool, naming the field.
    const { customer_name: _n, ...nameless } = appointment;
    const calendar = BUILTIN_TOOLS.find((t) => t.name === "google_calendar");
    const refused = calendar?.schema.safeParse(bookingPlan(state, nameless, "Clínica")[0].parameters);
    expect(refused?.success).toBe(false);
    expect(JSON.stringify(refused?.error?.issues)).toContain("customer_name");
  });
});
