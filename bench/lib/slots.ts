const MONTHS = [
  "enero",
  "febrero",
  "marzo",
  "abril",
  "mayo",
  "junio",
  "julio",
  "agosto",
  "septiembre",
  "octubre",
  "noviembre",
  "diciembre",
];

/**
 * The n-th distinct appointment slot, as a customer writes it ("el 12 de enero a las 10:00"):
 * weekdays from Tuesday 12 January 2027, on the hour from 10:00 to 19:00. Benchmarks and the crash
 * test book one per conversation, so no two bookings compete for a slot.
 */
export function bookingSlot(n: number): string {
  const day = new Date(Date.UTC(2027, 0, 12));
  let left = Math.floor(n / 10);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6 || left > 0) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) left--;
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return `el ${day.getUTCDate()} de ${MONTHS[day.getUTCMonth()]} a las ${10 + (n % 10)}:00`;
}
