import { describe, expect, it } from "vitest";
import { type DateTimeOptions, extractDateTime } from "../../src/agents/offline/date-time.js";

// Tuesday 12 January 2027, 10:00 in Madrid.
const now = new Date("2027-01-12T09:00:00Z");
const options: DateTimeOptions = { now, timeZone: "Europe/Madrid", hours: { open: "09:00", close: "20:00" } };
const read = (text: string, over: Partial<DateTimeOptions> = {}) =>
  extractDateTime(text, { ...options, ...over });

describe("extractDateTime in Spanish", () => {
  it.each([
    ["el 20 de enero a las 10am", "2027-01-20", "10:00"],
    ["Quiero agendar una cita para botox el 20 de enero a las 10am", "2027-01-20", "10:00"],
    ["mañana a las 3 de la tarde", "2027-01-13", "15:00"],
    ["el viernes a las 17:30", "2027-01-15", "17:30"],
    ["pasado mañana a las 12", "2027-01-14", "12:00"],
    ["hoy a las 18h", "2027-01-12", "18:00"],
    ["el jueves 21 a las 11", "2027-01-21", "11:00"],
    ["el día 3 a las 9", "2027-02-03", "09:00"],
    ["al 25 a las 16:15", "2027-01-25", "16:15"],
    ["el 3 de febrero a las cinco y media", "2027-02-03", "17:30"],
    ["el lunes a la una", "2027-01-18", "13:00"],
    ["el 5/2 a las 10.30", "2027-02-05", "10:30"],
    ["el martes a las 10 de la mañana", "2027-01-19", "10:00"],
    ["el 2027-03-01 a las 09:00", "2027-03-01", "09:00"],
  ])("%s -> %s %s", (text, date, time) => {
    expect(read(text)).toEqual({ date, time, ambiguities: [] });
  });

  it("takes a date without a year as the next one to come", () => {
    expect(read("el 5 de enero").date).toBe("2028-01-05");
    expect(read("el 12 de enero").date).toBe("2027-01-12");
  });

  it("takes a weekday as the next one after today", () => {
    expect(read("el martes").date).toBe("2027-01-19");
    expect(read("el miércoles").date).toBe("2027-01-13");
  });

  it("puts a weekday of next week in the week after this one", () => {
    // Today is Tuesday 12 January: this week's Wednesday is the 13th, next week's the 20th.
    expect(read("la semana que viene el miércoles a las 10").date).toBe("2027-01-20");
    expect(read("el miércoles de la próxima semana").date).toBe("2027-01-20");
    expect(read("el lunes de la semana que viene").date).toBe("2027-01-18");
    expect(read("next week on Wednesday at 10am", { locale: "en" }).date).toBe("2027-01-20");
  });

  it("flags a date without a time and a time without a date", () => {
    expect(read("el 20 de enero")).toEqual({ date: "2027-01-20", ambiguities: ["no_time"] });
    expect(read("a las 11")).toEqual({ time: "11:00", ambiguities: ["no_date"] });
  });

  it("keeps the part of the day when no hour is given", () => {
    expect(read("mañana por la tarde")).toEqual({
      date: "2027-01-13",
      partOfDay: "afternoon",
      ambiguities: ["no_time"],
    });
  });

  it("flags an hour without am/pm when both readings fit the opening hours", () => {
    const wide = { hours: { open: "08:00", close: "21:00" } };
    expect(read("el lunes a las 8", wide)).toEqual({
      date: "2027-01-18",
      time: "08:00",
      ambiguities: ["meridiem"],
      timeAlternatives: ["08:00", "20:00"],
    });
    // With 09:00-20:00 only one reading fits each of these.
    expect(read("a las 5").time).toBe("17:00");
    expect(read("a las 10").time).toBe("10:00");
  });

  it("flags a day that does not exist", () => {
    expect(read("el 30 de febrero").ambiguities).toContain("invalid_date");
  });

  it("reads a bare number as a time only when a time was asked for", () => {
    expect(read("11")).toEqual({ ambiguities: [] });
    expect(read("11", { expectTime: true })).toEqual({ time: "11:00", ambiguities: ["no_date"] });
  });

  it("does not take prices, phone numbers, emails or counts for dates or times", () => {
    expect(read("dos zonas por 350 €")).toEqual({ ambiguities: [] });
    expect(read("mi email es ana20@example.com y mi móvil 600 000 123")).toEqual({ ambiguities: [] });
    expect(read("¿cuántas sesiones hacen falta, 6 u 8?")).toEqual({ ambiguities: [] });
    expect(read("sí")).toEqual({ ambiguities: [] });
  });

  it("uses the tenant's day, not UTC's, for relative dates", () => {
    // 23:30 UTC on 12 January is already 00:30 on the 13th in Madrid.
    const late = new Date("2027-01-12T23:30:00Z");
    expect(read("mañana a las 10", { now: late }).date).toBe("2027-01-14");
    expect(read("mañana a las 10", { now: late, timeZone: "America/New_York" }).date).toBe("2027-01-13");
  });
});

describe("extractDateTime in English", () => {
  it.each([
    ["next Friday at 4pm", "2027-01-22", "16:00"],
    ["January 20 at 10am", "2027-01-20", "10:00"],
    ["tomorrow at 10:30", "2027-01-13", "10:30"],
    ["on Monday at 3 in the afternoon", "2027-01-18", "15:00"],
    ["the 20th at 3pm", "2027-01-20", "15:00"],
    ["the day after tomorrow at noon", "2027-01-14", "12:00"],
    ["Feb 3rd at 9:15am", "2027-02-03", "09:15"],
  ])("%s -> %s %s", (text, date, time) => {
    expect(read(text, { locale: "en" })).toEqual({ date, time, ambiguities: [] });
  });

  it("flags what is missing", () => {
    expect(read("on Thursday", { locale: "en" })).toEqual({ date: "2027-01-14", ambiguities: ["no_time"] });
    expect(read("at 11", { locale: "en" })).toEqual({ time: "11:00", ambiguities: ["no_date"] });
  });
});
