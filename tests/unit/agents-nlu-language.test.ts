import { describe, expect, it } from "vitest";
import { detectLanguage } from "../../src/agents/offline/language.js";

describe("detectLanguage", () => {
  it.each([
    "¿Cuánto cuesta el bótox?",
    "Quiero agendar una cita para botox el 20 de enero a las 10am",
    "hola buenas, me duele la muela",
    "mañana a las 3 de la tarde",
    "me llamo María",
    "sí, perfecto",
  ])("reads Spanish: %s", (text) => {
    expect(detectLanguage(text, "en").locale).toBe("es");
  });

  it.each([
    "How much is teeth whitening?",
    "I'd like to book an appointment next Friday at 4pm",
    "my name is John Smith",
    "tell me about invisalign",
    "yes please",
    "What are your opening hours?",
  ])("reads English: %s", (text) => {
    expect(detectLanguage(text, "es").locale).toBe("en");
  });

  it.each(["ok", "10:30", "ana@example.com", "👍"])("keeps the conversation's language for %s", (text) => {
    expect(detectLanguage(text, "en")).toEqual({ locale: "en", confident: false });
    expect(detectLanguage(text, "es")).toEqual({ locale: "es", confident: false });
  });
});
