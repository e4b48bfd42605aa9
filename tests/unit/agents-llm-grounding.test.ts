import { describe, expect, it } from "vitest";
import { figuresOf, type MessageDetails, ungroundedFigures } from "../../src/agents/index.js";
import { combineReadings } from "../../src/agents/llm/extractor.js";
import { chatModelOptionsFromEnv, createChatModel } from "../../src/agents/llm/model.js";
import type { Extraction } from "../../src/agents/llm/schemas.js";
import { loadTreatmentCatalogue } from "../../src/agents/offline/treatments.js";

const passage = (content: string) => ({ content, metadata: {}, score: 1 });

describe("figures of an answer and of the knowledge base", () => {
  it("reads amounts with their units, in Spanish and English notation", () => {
    expect(figuresOf("Cuesta 290 €, en 12 cuotas de 32,50 euros; dura 90 minutos")).toEqual([
      "290 eur",
      "32.5 eur",
      "90 min",
    ]);
    expect(figuresOf("Cases from €1.900 up to 3.900 €, 1 hour, 10 % off")).toEqual([
      "1900 eur",
      "3900 eur",
      "1 h",
      "10 pct",
    ]);
    expect(figuresOf("Abrimos de 09:00 a 20:00 de lunes a viernes")).toEqual([]);
  });

  it("accepts figures a passage carries (ranges too) and names the others", () => {
    const passages = [
      passage("- Blanqueamiento en clínica: 290 €, una sesión de 90 minutos."),
      passage("| Axilas | 35 € | 168 € |\nLa sesión dura entre 15-30 minutos."),
    ];
    expect(ungroundedFigures("290 €, 90 minutos; axilas 35 € (bono 168 €), 15 minutos", passages)).toEqual(
      [],
    );
    expect(ungroundedFigures("Cuesta 250 € y dura 60 minutos; axilas 35 €", passages)).toEqual([
      "250 eur",
      "60 min",
    ]);
    // A number of the passage with another unit is not a price.
    expect(ungroundedFigures("90 €", passages)).toEqual(["90 eur"]);
    expect(ungroundedFigures("Te lo miro enseguida", [])).toEqual([]);
    // The customer's own figure may be repeated; it is not a quote of ours.
    expect(ungroundedFigures("Por menos de 100 €: axilas, 35 €", passages)).toEqual(["100 eur"]);
    expect(
      ungroundedFigures("Por menos de 100 €: axilas, 35 €", passages, ["¿algo por menos de 100 €?"]),
    ).toEqual([]);
  });
});

describe("combining the model's reading with the rules' reading", () => {
  const rules: MessageDetails = {
    dt: {
      date: "2027-01-20",
      time: "10:00",
      ambiguities: ["meridiem"],
      timeAlternatives: ["10:00", "22:00"],
    },
    another: false,
  };
  const none: Extraction = {
    treatment: null,
    date: null,
    time: null,
    customer_name: null,
    customer_email: null,
    confirmation: null,
    action: null,
  };

  it("takes the model's slots, keeps catalogue treatments only, and settles what the model settled", async () => {
    const catalogue = await loadTreatmentCatalogue();
    const out = combineReadings(
      rules,
      { ...none, treatment: "botox", time: "10:30", customer_name: "Ana Ruiz" },
      catalogue,
    );
    expect(out.treatment?.name).toBe("Bótox");
    expect(out.dt).toEqual({ date: "2027-01-20", time: "10:30", ambiguities: [] });
    expect(out.customer_name).toBe("Ana Ruiz");
    const unknown = combineReadings(rules, { ...none, treatment: "liposucción" }, catalogue);
    expect(unknown.treatment).toBeUndefined();
    expect(unknown.dt.ambiguities).toEqual(["meridiem"]);
    expect(unknown.dt.timeAlternatives).toEqual(["10:00", "22:00"]);
  });

  it("needs the rules to read a yes or a cancel too; takes the model's no, book and reschedule", async () => {
    const catalogue = await loadTreatmentCatalogue();
    expect(
      combineReadings(rules, { ...none, confirmation: "yes", action: "cancel" }, catalogue),
    ).not.toHaveProperty("confirmation");
    expect(combineReadings(rules, { ...none, action: "cancel" }, catalogue)).not.toHaveProperty("action");
    const agreed = { ...rules, confirmation: "yes" as const, action: "cancel" as const };
    expect(
      combineReadings(agreed, { ...none, confirmation: "yes", action: "cancel" }, catalogue),
    ).toMatchObject({
      confirmation: "yes",
      action: "cancel",
    });
    expect(
      combineReadings(agreed, { ...none, confirmation: "no", action: "reschedule" }, catalogue),
    ).toMatchObject({
      confirmation: "no",
      action: "reschedule",
    });
  });
});

describe("the model factory", () => {
  it("is configured by OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL, and absent without a key", () => {
    expect(chatModelOptionsFromEnv({ OPENAI_MODEL: "gpt-4o-mini" })).toBeNull();
    const options = chatModelOptionsFromEnv({
      OPENAI_API_KEY: "sk-x",
      OPENAI_BASE_URL: "http://127.0.0.1:8000/v1",
      OPENAI_MODEL: "qwen2.5",
    });
    expect(options).toEqual({ apiKey: "sk-x", model: "qwen2.5", baseURL: "http://127.0.0.1:8000/v1" });
    const model = createChatModel({ ...(options ?? { apiKey: "", model: "" }), timeoutMs: 1234 });
    expect(model.model).toBe("qwen2.5");
    expect(model.temperature).toBe(0);
    expect(model.timeout).toBe(1234);
    expect(model.clientConfig.baseURL).toBe("http://127.0.0.1:8000/v1");
  });

  it("refuses bad settings, naming the field", () => {
    expect(() => createChatModel({ apiKey: "", model: "gpt-4o-mini" })).toThrow(
      /apiKey: expected a non-empty string/,
    );
    expect(() => createChatModel({ apiKey: "k", model: "gpt-4o-mini", maxRetries: -1 })).toThrow(
      /maxRetries/,
    );
    expect(() => createChatModel({ apiKey: "k", model: "gpt-4o-mini", timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
