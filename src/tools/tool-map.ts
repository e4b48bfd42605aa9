import type { z } from "zod";
import type { BUILTIN_TOOLS } from "./registry.js";
import type { ToolContext } from "./types.js";

type BuiltinTool = (typeof BUILTIN_TOOLS)[number];

/** The name of a built-in tool: "knowledge_base" | "google_calendar" | "send_email" | ... */
export type ToolName = BuiltinTool["name"];

/** The definition of the built-in tool named `N`. */
export type BuiltinToolDefinition<N extends ToolName> = Extract<BuiltinTool, { name: N }>;

/** What a caller sends to tool `N` (the schema's input: defaults may be left out). */
export type ToolParams<N extends ToolName> = z.input<BuiltinToolDefinition<N>["schema"]>;

/** What tool `N`'s handler receives once the parameters are validated (defaults filled in). */
export type ToolParsedParams<N extends ToolName> = z.output<BuiltinToolDefinition<N>["schema"]>;

/** What tool `N` returns in `ToolResult.data` on success. */
export type ToolResultData<N extends ToolName> = Awaited<ReturnType<BuiltinToolDefinition<N>["run"]>>;

/**
 * An `executeTool` input. For a built-in tool named by a literal the parameters are checked at
 * compile time; for any other name (a `string`, a registered extra tool) they are a plain record,
 * as a model or a JSON document sends them.
 */
export type ExecuteToolInputFor<N extends string> = ToolContext & {
  toolName: N;
  parameters: N extends ToolName ? ToolParams<N> : Record<string, unknown>;
};

/** The `ToolResult.data` of a successful call to the tool named `N` (unknown for unnamed tools). */
export type ToolDataFor<N extends string> = N extends ToolName ? ToolResultData<N> : unknown;
