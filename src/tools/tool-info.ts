import { z } from "zod";
import { SERVICE_SETTER } from "./registry.js";
import type { ToolDefinition, ToolInfo, ToolServices } from "./types.js";

/** Describes a tool for operators and for model prompts. */
export function toolInfo(tool: ToolDefinition, services: ToolServices): ToolInfo {
  let compensationTool: string | null = null;
  try {
    // Compensation depends on the parameters (only create_booking undoes); probe with an empty object.
    compensationTool = tool.compensation?.({ action: "create_booking" } as never)?.toolName ?? null;
  } catch {
    compensationTool = null;
  }
  return {
    name: tool.name,
    description: tool.description,
    actionType: tool.actionType,
    compensable: compensationTool !== null,
    compensationTool,
    service: tool.service,
    serviceSetter: SERVICE_SETTER[tool.service],
    serviceInjected: services[tool.service] !== undefined,
    parameters: z.toJSONSchema(tool.schema, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >,
  };
}
