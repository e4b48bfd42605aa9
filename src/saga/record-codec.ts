import { SAGA_STATUSES, type SagaRecord } from "./types.js";

/** A saga record as stored: plain JSON (results and compensation parameters are JSON values). */
export function encodeRecord(record: SagaRecord): string {
  return JSON.stringify(record);
}

/** The stored record, or null when the text is not one (damaged or foreign data is never trusted). */
export function decodeRecord(text: string): SagaRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const r = value as Partial<SagaRecord>;
  if (typeof r.sagaId !== "string" || typeof r.companyId !== "string" || !Array.isArray(r.steps)) return null;
  if (!SAGA_STATUSES.includes(r.status as SagaRecord["status"])) return null;
  return r as SagaRecord;
}
