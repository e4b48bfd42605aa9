import { closeTicketTool, createTicketTool } from "./definitions/create-ticket.js";
import { googleCalendarTool } from "./definitions/google-calendar.js";
import { knowledgeBaseTool } from "./definitions/knowledge-base.js";
import { analyzeImageTool, textToSpeechTool, transcribeAudioTool } from "./definitions/multimedia.js";
import { sendEmailTool } from "./definitions/send-email.js";
import { sendWhatsappTool } from "./definitions/send-whatsapp.js";
import type { ServiceName, ToolDefinition } from "./types.js";

/**
 * Every tool the executor knows, by name. A const tuple: `ToolName`, `ToolParams<N>` and
 * `ToolResultData<N>` (tool-map.ts) are derived from it.
 */
export const BUILTIN_TOOLS = [
  knowledgeBaseTool,
  googleCalendarTool,
  sendEmailTool,
  sendWhatsappTool,
  createTicketTool,
  closeTicketTool,
  transcribeAudioTool,
  analyzeImageTool,
  textToSpeechTool,
] as const satisfies readonly ToolDefinition[];

/** The `set...Service` call that injects each service. */
export const SERVICE_SETTER: Record<ServiceName, string> = {
  vectorstore: "setVectorstoreService",
  calendar: "setCalendarService",
  email: "setEmailService",
  chatwoot: "setChatwootService",
  multimedia: "setMultimediaService",
  tickets: "setTicketService",
};
