import type { z } from "zod";
import type { ToolDefinition } from "./types.js";

/** A tool's parameter schema: whatever it accepts, it yields a parameter object. */
export type ToolSchema = z.ZodType<Record<string, unknown>>;

/**
 * A tool definition that keeps its literal name, its schema and its result type, so the registry
 * can derive the name union and the parameter and result types of each tool.
 */
export interface TypedToolDefinition<N extends string, S extends ToolSchema, R>
  extends Omit<ToolDefinition<z.output<S>, R>, "name" | "schema"> {
  name: N;
  schema: S;
}

/**
 * Defines a tool. The parameters `run` (and `compensation`, `actionName`, ...) receive are the
 * schema's output (defaults filled in, transforms applied); callers send the schema's input. The
 * result type is taken from `run`.
 *
 * @example
 * export const pingTool = defineTool({
 *   name: "ping",
 *   description: "Answers pong.",
 *   actionType: "api_call",
 *   service: "chatwoot",
 *   schema: z.object({ times: z.number().int().default(1) }),
 *   run: async (p) => ({ pong: p.times }), // p.times: number
 * });
 */
export function defineTool<const N extends string, S extends ToolSchema, R>(
  definition: TypedToolDefinition<N, S, R>,
): TypedToolDefinition<N, S, R> {
  return definition;
}
