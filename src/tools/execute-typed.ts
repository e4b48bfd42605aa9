import type { ExecuteToolInputFor, ToolName, ToolResultData } from "./tool-map.js";
import type { ExecuteToolInput, ToolResult } from "./types.js";

/** Anything that executes tool calls the way `ToolExecutor.executeTool` does. */
export interface ToolCaller {
  executeTool(input: ExecuteToolInput): Promise<ToolResult>;
}

/**
 * `executor.executeTool` restricted to the built-in tools: a misspelt tool name or parameter does
 * not compile, and the result's data has the tool's result type. (`executeTool` itself also takes
 * extra tools registered under any name, so it cannot refuse an unknown name.)
 *
 * @example
 * const res = await executeTyped(executor, {
 *   toolName: "google_calendar",
 *   parameters: { action: "check_availability", date: "2030-01-07" },
 * });
 * if (res.success && res.data && "slots" in res.data) console.log(res.data.slots);
 */
export function executeTyped<N extends ToolName>(
  executor: ToolCaller,
  input: ExecuteToolInputFor<N>,
): Promise<ToolResult<ToolResultData<N>>> {
  return executor.executeTool(input) as Promise<ToolResult<ToolResultData<N>>>;
}
