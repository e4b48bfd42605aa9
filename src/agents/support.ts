import { checkAgentInput } from "./errors.js";
import { knowledgeQuery, relevantPassage, summary } from "./knowledge-answer.js";
import { say } from "./offline/format.js";
import { detectInjection } from "./offline/injection.js";
import { detectConfirmation, OFFER_PERSON_EN, OFFER_PERSON_ES } from "./offline/intent.js";
import { detectProblem, type ProblemFinding } from "./offline/problems.js";
import { sentences, type TreatmentCatalogue } from "./offline/treatments.js";
import { injectionReply, offerPerson } from "./replies.js";
import type { Agent, AgentInput, AgentOutput, KnowledgePassage, TicketState } from "./types.js";

export interface SupportAgentOptions {
  catalogue: TreatmentCatalogue;
}

const PRIORITY_RANK: Record<TicketState["priority"], number> = { low: 0, medium: 1, high: 2, urgent: 3 };

/**
 * Handles problems: a complication after a treatment, a complaint, a billing error or a request
 * for a person sets `sharedContext.ticket` (`needs_ticket: true`; the create_ticket node opens
 * it) with a priority that follows the seriousness; a complication also gets the knowledge base's
 * care or emergency advice. Other questions are answered from the knowledge base.
 */
export class SupportAgent implements Agent {
  readonly name = "support" as const;

  constructor(private readonly options: SupportAgentOptions) {}

  /** One customer message; a ticket request when a problem is reported. */
  async run(input: AgentInput): Promise<AgentOutput> {
    checkAgentInput(input);
    const locale = input.locale;
    if (detectInjection(input.text)) return { reply: injectionReply(locale), intent: "security.injection" };
    const problem = supportProblem(input);
    if (!problem) return this.answer(input);

    const existing = input.sharedContext.ticket;
    const already =
      existing &&
      existing.reason === problem.reason &&
      PRIORITY_RANK[problem.priority] <= PRIORITY_RANK[existing.priority];
    const treatment =
      this.options.catalogue.match(input.text)?.name ?? input.sharedContext.appointment?.treatment;
    const advice = problem.reason === "complication" ? await this.advice(input, problem, treatment) : "";
    const reply = [acknowledge(problem, locale, Boolean(already)), advice].filter((s) => s !== "").join("\n");
    if (already) return { reply, intent: `support.${problem.reason}` };
    return {
      reply,
      sharedContext: { ticket: ticketFor(problem, input, treatment) },
      intent: `support.${problem.reason}`,
    };
  }

  /** Care advice for the treatment, or the emergency instructions when the signs are urgent. */
  private async advice(
    input: AgentInput,
    problem: ProblemFinding,
    treatment: string | undefined,
  ): Promise<string> {
    if (problem.priority === "urgent") {
      const passages = await input.tools.searchKnowledge(
        "urgencias fuera de horario hemorragia fiebre respirar 112",
        3,
      );
      const line = findSentence(passages, /112/);
      return line ? say(input.locale, line, `From our clinic guidance (in Spanish): ${line}`) : "";
    }
    if (!treatment) return "";
    const passages = await input.tools.searchKnowledge(`después ${treatment} cuidados`, 5);
    const passage = passages.find(
      (p) =>
        String(p.metadata.source ?? "").includes("cuidados") &&
        /despu[eé]s/i.test(String(p.metadata.heading ?? "")),
    );
    if (!passage) return "";
    const text = summary(passage.content, 2);
    return say(
      input.locale,
      `Mientras tanto, nuestras indicaciones:\n${text}`,
      `Meanwhile, our aftercare guidance (in Spanish):\n${text}`,
    );
  }

  private async answer(input: AgentInput): Promise<AgentOutput> {
    const query = knowledgeQuery(input.text, undefined, "info");
    const passages = await input.tools.searchKnowledge(query, 5);
    const passage = relevantPassage(passages, query);
    if (passage) return { reply: summary(passage.content, 3), intent: "support.info" };
    return {
      reply: `${say(input.locale, "No tengo ese dato en nuestra información.", "I don't have that in our information.")} ${offerPerson(input.locale)}`,
      intent: "support.unknown",
    };
  }
}

function acknowledge(problem: ProblemFinding, locale: "es" | "en", already: boolean): string {
  if (already) {
    return say(
      locale,
      "Ya he pasado tu caso al equipo y te contactarán lo antes posible.",
      "I've already passed your case to the team; they will contact you as soon as possible.",
    );
  }
  switch (problem.reason) {
    case "complication":
      return problem.priority === "urgent"
        ? say(
            locale,
            "Siento mucho lo que te pasa. He avisado al equipo médico con prioridad urgente.",
            "I'm very sorry. I've alerted the medical team as urgent.",
          )
        : say(
            locale,
            "Siento lo que te pasa. He pasado tu caso al equipo médico con prioridad alta y te contactarán hoy.",
            "I'm sorry about that. I've passed your case to the medical team as high priority; they will contact you today.",
          );
    case "complaint":
      return say(
        locale,
        "Siento mucho tu experiencia. He registrado tu queja y la responsable de la clínica te contactará.",
        "I'm very sorry about your experience. I've logged your complaint and the clinic manager will contact you.",
      );
    case "billing":
      return say(
        locale,
        "Disculpa las molestias. He pasado el caso a administración para que revisen el cobro y te respondan.",
        "Sorry for the trouble. I've passed this to our billing team to check the charge and get back to you.",
      );
    case "human":
      return say(
        locale,
        "De acuerdo, he pedido que una persona del equipo te atienda por aquí.",
        "Sure, I've asked someone from our team to take over here.",
      );
  }
}

const SUBJECTS: Record<TicketState["reason"], (treatment?: string) => string> = {
  complication: (t) => `Complicación tras ${t ?? "un tratamiento"}`,
  complaint: () => "Queja de cliente",
  billing: () => "Error de facturación",
  human: () => "El cliente pide hablar con una persona",
};

function ticketFor(problem: ProblemFinding, input: AgentInput, treatment: string | undefined): TicketState {
  const { customer, appointment } = input.sharedContext;
  const lines = [
    `Mensaje del cliente: "${input.text}"`,
    `Motivo: ${problem.reason}; prioridad: ${problem.priority}; señales: ${problem.evidence.join(", ")}`,
  ];
  if (customer.name || customer.phone || customer.email) {
    lines.push(`Cliente: ${[customer.name, customer.phone, customer.email].filter(Boolean).join(", ")}`);
  }
  if (treatment) lines.push(`Tratamiento: ${treatment}`);
  if (appointment?.date)
    lines.push(`Cita: ${appointment.date} ${appointment.time ?? ""} (${appointment.status})`.trim());
  lines.push(`Conversación: ${input.conversationId}`);
  return {
    subject: SUBJECTS[problem.reason](treatment),
    description: lines.join("\n"),
    priority: problem.priority,
    reason: problem.reason,
    needs_ticket: true,
  };
}

function findSentence(passages: KnowledgePassage[], pattern: RegExp): string | undefined {
  for (const p of passages) {
    const hit = p.content
      .replace(/\s*\n\s*/g, " ")
      .split(/(?<=[.!?])\s+/)
      .find((s) => pattern.test(s));
    if (hit) return sentences(hit)[0] ?? hit;
  }
  return undefined;
}

/**
 * The problem a message reports (a complication, a complaint, a billing error, asking for a person,
 * or a yes to the offer of a person), by rules: the only way a ticket is ever requested.
 */
export function supportProblem(input: AgentInput): ProblemFinding | null {
  return detectProblem(input.text) ?? acceptedPerson(input);
}

/** A yes to "¿Quieres que te ponga en contacto con una persona?" asked in the previous turn. */
function acceptedPerson(input: AgentInput): ProblemFinding | null {
  const last = [...input.history].reverse().find((t) => t.role === "agent")?.text ?? "";
  const offered = last.includes(OFFER_PERSON_ES) || last.includes(OFFER_PERSON_EN);
  if (!offered || detectConfirmation(input.text) !== "yes") return null;
  return { reason: "human", priority: "low", evidence: ["accepted the offer of a person"] };
}
