import { beforeAll, describe, expect, it } from "vitest";
import {
  buildTreatmentCatalogue,
  loadTreatmentCatalogue,
  type TreatmentCatalogue,
} from "../../src/agents/offline/treatments.js";

describe("treatment catalogue from the knowledge base", () => {
  let catalogue: TreatmentCatalogue;
  beforeAll(async () => {
    catalogue = await loadTreatmentCatalogue();
  });

  it("lists the treatments of the sample clinic and nothing else", () => {
    expect(catalogue.names().sort()).toEqual(
      [
        "Bótox",
        "Ácido hialurónico",
        "Peeling químico",
        "Mesoterapia facial",
        "Primera visita y revisión",
        "Limpieza dental",
        "Blanqueamiento dental",
        "Ortodoncia invisible",
        "Implantes dentales",
        "Empastes y endodoncias",
        "Depilación láser",
      ].sort(),
    );
  });

  it("takes the longest session the knowledge base states, in minutes", () => {
    expect(catalogue.byName("bótox")?.durationMinutes).toBe(30);
    expect(catalogue.byName("Blanqueamiento dental")?.durationMinutes).toBe(90);
    expect(catalogue.byName("Limpieza dental")?.durationMinutes).toBe(45);
    expect(catalogue.byName("Depilación láser")?.durationMinutes).toBe(45);
    expect(catalogue.byName("Ortodoncia invisible")?.durationMinutes).toBeUndefined();
  });

  it("names treatments in English for English replies and keeps the stored name for Spanish", () => {
    expect(catalogue.displayName("Blanqueamiento dental", "en")).toBe("teeth whitening");
    expect(catalogue.displayName("Depilación láser", "en")).toBe("laser hair removal");
    expect(catalogue.displayName("Blanqueamiento dental", "es")).toBe("Blanqueamiento dental");
    expect(catalogue.displayName("Masaje", "en")).toBe("Masaje");
  });

  it("keeps price lines verbatim, unwrapped", () => {
    expect(catalogue.byName("Bótox")?.priceLines).toContain("- Una zona: 250 €.");
    expect(catalogue.byName("Ortodoncia invisible")?.priceLines).toContain(
      "- Estudio inicial con escáner intraoral 3D y simulación del resultado: 90 € (se descuenta del tratamiento si decides empezarlo).",
    );
  });

  it.each([
    ["botox", "Bótox"],
    ["BÓTOX en la frente", "Bótox"],
    ["toxina botulínica", "Bótox"],
    ["teeth whitening", "Blanqueamiento dental"],
    ["quiero un blanqueamento", "Blanqueamiento dental"],
    ["cleaning", "Limpieza dental"],
    ["una limpieza, por favor", "Limpieza dental"],
    ["laser hair removal", "Depilación láser"],
    ["depilación de axilas con láser", "Depilación láser"],
    ["lip filler", "Ácido hialurónico"],
    ["acido hialuronico", "Ácido hialurónico"],
    ["root canal", "Empastes y endodoncias"],
    ["invisalign", "Ortodoncia invisible"],
    ["dental implants", "Implantes dentales"],
    ["chemical peel", "Peeling químico"],
    ["primera visita", "Primera visita y revisión"],
  ])("%s -> %s", (text, name) => {
    expect(catalogue.match(text)?.name).toBe(name);
  });

  it.each(["hola", "tengo una consulta", "liposucción", "a las 10"])("matches nothing in %s", (text) => {
    expect(catalogue.match(text)).toBeUndefined();
  });

  it("builds from any markdown with Precio / Duración lines, one file one treatment when a heading is about prices", () => {
    const built = buildTreatmentCatalogue([
      {
        source: "facial.md",
        markdown:
          "# Facial\n\n## Hidrafacial (limpieza profunda)\nPrecio: 80 €.\nDuración: 50 minutos.\n\n## Horario\nAbrimos a las 9.",
      },
      {
        source: "masaje.md",
        markdown: "# Masaje relajante\n\n## Precios del masaje\n- 30 minutos: 40 €\n- 60 minutos: 70 €\n",
      },
      { source: "info.md", markdown: "# Información\n\n## Parking\nHay parking a 100 metros por 2 €." },
    ]);
    expect(built.names()).toEqual(["Hidrafacial", "Masaje relajante"]);
    expect(built.match("una limpieza profunda")?.durationMinutes).toBe(50);
    expect(built.byName("Masaje relajante")?.durationMinutes).toBe(60);
  });
});
