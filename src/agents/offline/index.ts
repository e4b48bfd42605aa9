export { extractEmail, extractName, type NameOptions } from "./customer.js";
export {
  type DateTimeAmbiguity,
  type DateTimeExtraction,
  type DateTimeOptions,
  extractDateTime,
} from "./date-time.js";
export { formatDate, formatWhen } from "./format.js";
export { detectInjection, type InjectionFinding, type InjectionKind } from "./injection.js";
export {
  bookingInProgress,
  classifyIntent,
  detectConfirmation,
  detectSalesTopic,
  detectScheduleAction,
  type IntentContext,
  type IntentResult,
  isGibberish,
  isGreeting,
  isThanks,
  type SalesTopic,
  type ScheduleAction,
} from "./intent.js";
export { detectLanguage, type LanguageGuess } from "./language.js";
export { detectProblem, type ProblemFinding } from "./problems.js";
export { nearestSlots, startsThatFit } from "./slots.js";
export {
  buildTreatmentCatalogue,
  loadTreatmentCatalogue,
  type Treatment,
  TreatmentCatalogue,
} from "./treatments.js";
