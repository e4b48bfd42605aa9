import { tool as lcTool } from "@langchain/core/tools";
import type { ExecuteToolInput, ToolContext, ToolDefinition, ToolResult } from "./types.js";

/**
 * What the adapter needs of the executor. A structural type rather than an import of ToolExecutor,
 * which loads this module lazily: importing it back would tie the two modules in a cycle.
 */
export interface ToolRunner {
  executeTool(input: ExecuteToolInput): Promise<ToolResult>;
}

/**
 * Wraps tools as LangChain tools. The model sees each tool's zod schema; every call is executed
 * (validated, audited, retried) by the executor, and the model receives the JSON result.
 */
export function toLangChainTools(executor: ToolRunner, tools: ToolDefinition[], context: ToolContext) {
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
