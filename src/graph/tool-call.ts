import type { ToolName, ToolParams } from "../tools/tool-map.js";

/**
 * A call of the built-in tool `N` with that tool's parameters. The graph's tool nodes build their calls
 * with these types, so a misspelt tool name or parameter is a compile error, not a failed turn.
 */
export interface ToolCallOf<N extends ToolName> {
  toolName: N;
  parameters: ToolParams<N>;
}

/** A call of any built-in tool (a union over the tool names, so name and parameters stay paired). */
export type AnyToolCall<N extends ToolName = ToolName> = N extends ToolName ? ToolCallOf<N> : never;

/** The action a call asks for: its `action` parameter when it has one, else the tool's name. */
export function actionOf(call: AnyToolCall): string {
  const action = (call.parameters as { action?: unknown }).action;
  return typeof action === "string" ? action : call.toolName;
}
