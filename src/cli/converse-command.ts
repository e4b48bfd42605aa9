import type { Command } from "commander";
import type { App } from "../app.js";
import { CliError } from "./format.js";

interface ConverseDeps {
  app(): Promise<App>;
  out(text: string): void;
}

/** `converse --conversation <id> --user <id> "text"`: one customer message through the agent graph. */
export function registerConverseCommand(program: Command, deps: ConverseDeps): void {
  program
    .command("converse")
    .description(
      "run one customer message through the agent graph (the conversation continues across runs) and print the reply",
    )
    .argument("<text>", "the customer's message")
    .requiredOption(
      "--conversation <id>",
      "conversation id (the Chatwoot conversation; numeric for WhatsApp)",
    )
    .requiredOption("--user <id>", "customer id, e.g. the phone number")
    .option("--company <id>", "tenant (default COMPANY_ID)")
    .option("--json", "the whole result: reply, agent, intent, tool outcomes, compensations, saga status")
    .action(
      async (text: string, o: { conversation: string; user: string; company?: string; json?: boolean }) => {
        if (text.trim() === "") throw new CliError("text: expected the customer's message");
        const app = await deps.app();
        const result = await app.converse({
          ...(o.company ? { companyId: o.company } : {}),
          conversationId: o.conversation,
          userId: o.user,
          text,
        });
        deps.out(o.json ? JSON.stringify(result, null, 2) : result.reply);
      },
    );
}
