import { describe, expect, it } from "vitest";
import {
  analyzeSpanish,
  normalizeSpanish,
  stemSpanish,
  tokenizeSpanish,
} from "../../src/services/knowledge/spanish.js";

describe("Spanish normalisation", () => {
  it("lower-cases and drops accents, dieresis and tildes", () => {
    expect(normalizeSpanish("Limpiéza CANCELACIÓN Pingüino Año")).toBe("limpieza cancelacion pinguino ano");
  });

  it("splits on Spanish punctuation and keeps digits", () => {
    expect(tokenizeSpanish("¿Cuánto cuesta? ¡Hola! «Bótox» 09:00-20:00")).toEqual([
      "cuanto",
      "cuesta",
      "hola",
      "botox",
      "09",
      "00",
      "20",
      "00",
    ]);
  });

  it("drops stop words but keeps the words that carry the question", () => {
    expect(analyzeSpanish("¿Cuánto cuesta un blanqueamiento?")).toEqual([
      stemSpanish("cuesta"),
      stemSpanish("blanqueamiento"),
    ]);
    expect(analyzeSpanish("horario del sábado")).toEqual([stemSpanish("horario"), stemSpanish("sabado")]);
    expect(analyzeSpanish("¿Dónde estáis?")).toEqual(["dond"]);
  });
});

describe("stemSpanish", () => {
  const same = (...words: string[]) => {
    const stems = words.map((w) => stemSpanish(normalizeSpanish(w)));
    expect(new Set(stems).size, `${words.join(", ")} -> ${stems.join(", ")}`).toBe(1);
  };

  it("maps plural and singular to one stem", () => {
    same("cita", "citas");
    same("implante", "implantes");
    same("precio", "precios");
    same("dolor", "dolores");
    same("luz", "luces");
    same("dulce", "dulces");
    same("sábado", "sábados");
    same("limpieza", "limpiezas", "limpiéza");
  });

  it("maps -ción / -ciones and the verb to one stem", () => {
    same("cancelación", "cancelaciones", "cancelar", "cancelas");
    same("financiación", "financiar");
    same("depilación", "depilar");
    same("blanqueamiento", "blanqueamientos", "blanquear");
  });

  it("removes -mente and participles", () => {
    expect(stemSpanish("rapidamente")).toBe(stemSpanish("rapido"));
    same("reservado", "reservar", "reserva", "reservas");
  });

  it("keeps different words apart", () => {
    expect(stemSpanish("cita")).not.toBe(stemSpanish("cuidado"));
    expect(stemSpanish("implante")).not.toBe(stemSpanish("limpieza"));
    expect(stemSpanish("horario")).not.toBe(stemSpanish("hora"));
  });

  it("leaves short words and numbers alone", () => {
    expect(stemSpanish("mes")).toBe("mes");
    expect(stemSpanish("sol")).toBe("sol");
    expect(stemSpanish("2024")).toBe("2024");
    expect(stemSpanish("24h")).toBe("24h");
  });

  it("never cuts a word below three letters", () => {
    for (const word of ["casas", "vida", "ideas", "ojos", "tres", "unas", "leer", "ido"]) {
      expect(stemSpanish(word).length, word).toBeGreaterThanOrEqual(Math.min(3, word.length));
    }
  });
});
