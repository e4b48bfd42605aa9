import { userInfo } from "node:os";
import type { Command } from "commander";
import type { App } from "../app.js";
import type { ConverseResult } from "../graph/converse.js";
import { CliError } from "./format.js";

interface ConverseDeps {
  app(): Promise<App>;
  out(text: string): void;
}

/**
 * `converse --conversation <id> --user <id> "text"`: one customer message through the agent graph;
 * `approve <conversationId> [--reject]`: an operator's decision on a turn waiting for approval.
 */
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
        deps.out(o.json ? JSON.stringify(result, null, 2) : humanReadable(result, o.conversation, o.company));
      },
    );

  program
    .command("approve")
    .description(
      "approve (or with --reject, reject) the booking or ticket a conversation is waiting on when its tenant requires approval; prints the reply for the customer",
    )
    .argument("<conversationId>", "the conversation waiting for approval")
    .option("--reject", "reject instead: nothing is booked and the customer is told so")
    .option("--reason <text>", "why, for the audit trail (the customer does not see it)")
    .option("--operator <name>", "who decides, recorded in the audit trail (default: the system user name)")
    .option("--company <id>", "tenant (default COMPANY_ID)")
    .option("--json", "the whole result of the resumed turn")
    .action(
      async (
        conversationId: string,
        o: { reject?: boolean; reason?: string; operator?: string; company?: string; json?: boolean },
      ) => {
        if (conversationId.trim() === "") throw new CliError("conversationId: expected the conversation id");
        const operator = o.operator ?? systemUser();
        const app = await deps.app();
        const result = await app.resolveApproval({
          ...(o.company ? { companyId: o.company } : {}),
          conversationId,
          decision: o.reject ? "reject" : "approve",
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          ...(operator ? { operator } : {}),
        });
        deps.out(o.json ? JSON.stringify(result, null, 2) : humanReadable(result, conversationId, o.company));
      },
    );
}

/** The reply, plus how to decide when the turn waits for an operator. */
function humanReadable(result: ConverseResult, conversationId: string, company?: string): string {
  if (!result.pendingApproval) return result.reply;
  const target = `${conversationId}${company ? ` --company ${company}` : ""}`;
  return [
    result.reply,
    "",
    `[waiting for approval: ${result.pendingApproval.action} ${JSON.stringify(result.pendingApproval.parameters)}]`,
    `[decide with: agent-ledger approve ${target}   (or add --reject)]`,
  ].join("\n");
}

function systemUser(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}
