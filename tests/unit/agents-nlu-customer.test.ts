import { describe, expect, it } from "vitest";
import { extractEmail, extractName } from "../../src/agents/offline/customer.js";

describe("extractName", () => {
  it.each([
    ["me llamo María González", "María González"],
    ["Hola, me llamo maría gonzález y quiero cita", "María González"],
    ["soy Lucía", "Lucía"],
    ["soy lucía, ¿tenéis hueco?", "Lucía"],
    ["mi nombre es José Luis de la Fuente", "José Luis de la Fuente"],
    ["my name is John Smith", "John Smith"],
    ["Hi, I'm Anna", "Anna"],
    ["This is Mary O'Brien", "Mary O'Brien"],
    ["Me llamo Ana y mi email es ana@example.com", "Ana"],
  ])("%s -> %s", (text, name) => {
    expect(extractName(text)).toBe(name);
  });

  it.each([
    "soy alérgica a la penicilina",
    "soy nueva en la clínica",
    "I'm interested in botox",
    "i'm having pain",
    "quiero una cita",
    "María González",
  ])("finds no name in %s", (text) => {
    expect(extractName(text)).toBeUndefined();
  });

  it("takes a bare reply as the name only when the name was asked for", () => {
    expect(extractName("María González", { expectName: true })).toBe("María González");
    expect(extractName("lucía, lucia@example.com", { expectName: true })).toBe("Lucía");
    expect(extractName("sí", { expectName: true })).toBeUndefined();
    expect(extractName("asdfghjk", { expectName: true })).toBeUndefined();
    expect(extractName("mañana", { expectName: true })).toBeUndefined();
  });
});

describe("extractEmail", () => {
  it.each([
    ["mi email es Maria.Gonzalez@Example.com", "maria.gonzalez@example.com"],
    ["my email is john+clinic@mail.co.uk.", "john+clinic@mail.co.uk"],
    ["correo: ana_20@gmail.com gracias", "ana_20@gmail.com"],
  ])("%s -> %s", (text, email) => {
    expect(extractEmail(text)).toBe(email);
  });

  it.each(["no tengo email", "ana@", "@example.com", "a las 10"])("finds none in %s", (text) => {
    expect(extractEmail(text)).toBeUndefined();
  });
});
