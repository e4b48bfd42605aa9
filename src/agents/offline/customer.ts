import { isKeyMash, normalize } from "./text.js";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/** The first email address in the text, lower-cased; undefined when there is none. */
export function extractEmail(text: string): string | undefined {
  return EMAIL.exec(text)?.[0]?.replace(/\.+$/, "").toLowerCase();
}

/** Words that follow "soy" / "I'm" without being a name ("soy alérgica", "I'm interested"). */
const NOT_NAMES = new Set(
  (
    "alergica alergico paciente cliente nueva nuevo nueva de del la el un una muy yo tu su la mama papa " +
    "madre padre hija hijo menor mayor estudiante interesada interesado embarazada diabetica diabetico " +
    "from a an the interested looking new patient customer allergic not here just trying calling writing " +
    "pregnant sorry fine good ok okay happy sure going wondering also still so really very glad available " +
    "libre disponible tambien asi feliz ya de acuerdo nervioso nerviosa sensible si no vale ok okay yes " +
    "claro perfecto gracias hola buenas vale genial adios thanks hello hi bye great perfect sure cancel " +
    "cancelar cita mañana manana hoy today tomorrow lunes martes miercoles jueves viernes sabado domingo"
  ).split(" "),
);

/** Words that end a name ("me llamo Ana y quiero...", "my name is John and..."). */
const STOP = new Set(
  (
    "y e o and or but pero mi my me email correo mail tel telefono phone con with para for que which " +
    "quiero quisiera queria want would please por favor gracias thanks i soy es is"
  ).split(" "),
);

const NAME_WORD = /^[\p{L}][\p{L}'’-]*$/u;
/**
 * `open`: whatever name-like words follow; `soft`: not a common adjective ("soy alérgica");
 * `capital`: also capitalised, since English "I'm ..." is mostly followed by other things.
 */
type Strictness = "open" | "soft" | "capital";
const INTRO: { re: RegExp; strict: Strictness }[] = [
  { re: /\bme llamo\s+(.+)/iu, strict: "open" },
  { re: /\bmi nombre es\s+(.+)/iu, strict: "open" },
  { re: /\bnombre\s*:\s*(.+)/iu, strict: "open" },
  { re: /\bmy name is\s+(.+)/iu, strict: "open" },
  { re: /\bname\s*:\s*(.+)/iu, strict: "open" },
  { re: /(?:^|[\s,.¡!])soy\s+(.+)/iu, strict: "soft" },
  { re: /\bthis is\s+(.+)/iu, strict: "capital" },
  { re: /\bi'?m\s+(.+)/iu, strict: "capital" },
  { re: /\bi am\s+(.+)/iu, strict: "capital" },
];

export interface NameOptions {
  /**
   * The agent just asked for the name: a reply made only of name-like words ("María González",
   * "lucía") is taken as the name.
   */
  expectName?: boolean;
}

/**
 * The customer's name from "me llamo María González", "mi nombre es...", "soy Lucía",
 * "my name is John Smith", "I'm Anna", title-cased. After "soy" / "I'm" / "this is" the first word
 * must look like a name (capitalised, or not a common adjective), so "soy alérgica" is no name.
 *
 * @example
 * extractName("Hola, me llamo maría gonzález y quiero cita") // "María González"
 */
export function extractName(text: string, options: NameOptions = {}): string | undefined {
  const withoutEmail = text.replace(/\S+@\S+/g, " , ");
  for (const { re, strict } of INTRO) {
    const m = re.exec(withoutEmail);
    if (!m?.[1]) continue;
    const name = takeName(m[1], strict);
    if (name) return name;
  }
  if (options.expectName) {
    const parts = withoutEmail
      .split(/[,;\n]/)
      .map((p) => p.trim())
      .filter((p) => p !== "");
    for (const part of parts) {
      const tokens = part.split(/\s+/);
      const nameLike = (t: string) => NAME_WORD.test(t) && !STOP.has(plain(t)) && /[aeiouy]/.test(plain(t));
      if (tokens.length <= 4 && tokens.every(nameLike) && !plain(part).split(" ").some(isKeyMash)) {
        if (tokens.some((t) => NOT_NAMES.has(plain(t)))) continue;
        return titleCase(tokens);
      }
    }
  }
  return undefined;
}

function takeName(rest: string, strict: Strictness): string | undefined {
  const tokens: string[] = [];
  for (const raw of rest.split(/\s+/)) {
    const token = raw.replace(/[.,;:!?¡¿)]+$/u, "");
    const ended = token !== raw;
    if (!NAME_WORD.test(token) || STOP.has(plain(token))) break;
    tokens.push(token);
    if (ended || tokens.filter((t) => !PARTICLES.has(plain(t))).length === 4) break;
  }
  const first = tokens[0];
  if (!first) return undefined;
  if (strict !== "open" && NOT_NAMES.has(plain(first))) return undefined;
  if (strict === "capital" && !/^\p{Lu}/u.test(first)) return undefined;
  // A name does not end in a particle ("soy Ana de" + something unparsed).
  while (tokens.length > 1 && PARTICLES.has(plain(tokens[tokens.length - 1] ?? ""))) tokens.pop();
  return titleCase(tokens);
}

const PARTICLES = new Set(["de", "del", "la", "las", "los", "y", "van", "von", "da", "di"]);

function titleCase(tokens: string[]): string {
  return tokens
    .map((t, i) => {
      const lower = t.toLocaleLowerCase("es");
      if (i > 0 && PARTICLES.has(lower)) return lower;
      return lower.replace(
        /(^|[-'’])(\p{L})/gu,
        (_, sep: string, c: string) => sep + c.toLocaleUpperCase("es"),
      );
    })
    .join(" ");
}

function plain(word: string): string {
  return normalize(word).trim();
}
