import type { ChatModelOptions } from "../../src/agents/llm/model.js";
import { createChatModel } from "../../src/agents/llm/model.js";
import { OpenAIStandIn } from "./openai-stand-in.js";

export const MODEL_KEY = "sk-test-llm-agents-0123456789";

/** What a chat completion request carries, as the stand-in recorded it. */
export interface ChatBody {
  model: string;
  stream?: boolean;
  temperature?: number;
  messages: { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { function: { name: string } }[];
  tool_choice?: unknown;
  response_format?: { type: string; json_schema?: { name: string } };
}

/**
 * The OpenAI stand-in and real `ChatOpenAI` models pointed at it (no retries, short timeout), for
 * the model-backed agents' tests.
 */
export class ModelStandIn {
  readonly server = new OpenAIStandIn({ apiKey: MODEL_KEY });
  baseURL = "";

  async start(): Promise<this> {
    this.baseURL = await this.server.start();
    return this;
  }

  model(options: Partial<ChatModelOptions> = {}) {
    return createChatModel({
      apiKey: MODEL_KEY,
      model: "gpt-4o-mini",
      baseURL: this.baseURL,
      maxRetries: 0,
      timeoutMs: 5000,
      ...options,
    });
  }

  /** The chat completion requests received so far. */
  chats(): ChatBody[] {
    return this.server.requestsTo("/v1/chat/completions").map((r) => r.body as ChatBody);
  }

  /** Forgets the requests and the replies not consumed (between tests). */
  reset(): void {
    this.server.requests.length = 0;
    this.server.clearReplies();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
