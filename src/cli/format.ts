/** Renders rows as a plain-text table with a header line. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return "(nothing found)";
  const cell = (v: unknown) => {
    // Fractional numbers (durations kept as measured) are shown to a tenth; JSON and CSV keep them whole.
    const s =
      v === null || v === undefined
        ? ""
        : typeof v === "object"
          ? JSON.stringify(v)
          : typeof v === "number" && !Number.isInteger(v)
            ? v.toFixed(1)
            : String(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join("\n");
}

/** One CSV field, quoted when needed (RFC 4180). Objects are written as JSON. */
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A user-facing CLI failure: printed as one line, exit code 2. */
export class CliError extends Error {
  override readonly name = "CliError";
}
