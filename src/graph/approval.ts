import { interrupt } from "@langchain/langgraph";

/** What the graph shows an operator when it pauses before a compensable action. */
export interface ApprovalRequest {
  type: "approval";
  /** The action waiting, e.g. `google_calendar.create_booking`. */
  action: string;
  parameters: Record<string, unknown>;
}

/** What the operator answers through `new Command({ resume })`. */
export type ApprovalDecision = "approve" | "reject" | { approved: boolean; reason?: string };

/**
 * Pauses the run until an operator decides (the node runs again from its start on resume, so call this
 * before any side effect). Returns whether the action was approved.
 */
export function askApproval(action: string, parameters: Record<string, unknown>): boolean {
  const decision = interrupt<ApprovalRequest, ApprovalDecision>({ type: "approval", action, parameters });
  if (decision === "approve") return true;
  if (decision === "reject") return false;
  if (decision && typeof decision === "object" && typeof decision.approved === "boolean")
    return decision.approved;
  throw new Error(
    `approval: expected "approve", "reject" or { approved: boolean } as the resume value (got ${JSON.stringify(decision)})`,
  );
}
