import { tool as lcTool } from "@langchain/core/tools";
import type { ToolExecutor } from "./tool-executor.js";
import type { ToolContext, ToolDefinition } from "./types.js";

/**
 * Wraps tools as LangChain tools. The model sees each tool's zod schema; every call is executed
 * (validated, audited, retried) by the executor, and the model receives the JSON result.
 */
export function toLangChainTools(executor: ToolExecutor, tools: ToolDefinition[], context: ToolContext) {
  return tools.map((def) =>
    lcTool(
      async (args: Record<string, unknown>, config) => {
        const callId = (config as { toolCall?: { id?: string } } | undefined)?.toolCall?.id;
        const result = await executor.executeTool({
          ...context,
          toolName: def.name,
          parameters: args,
          idempotencyKey: context.idempotencyKey
            ? `${context.idempotencyKey}:${def.name}${callId ? `:${callId}` : ""}`
            : null,
        });
        return JSON.stringify(result);
      },
      { name: def.name, description: def.description, schema: def.schema as never },
    ),
  );
}
