import type { AppointmentState, Locale } from "../agents/types.js";

/** The lines the graph itself adds to a reply (the outcome of its tool nodes), per locale. */
export const texts = {
  booked: (a: AppointmentState, l: Locale) =>
    l === "en"
      ? `✅ Your appointment is confirmed: ${a.treatment} on ${a.date} at ${a.time}.${a.customer_email ? " We sent the details to your email." : ""}`
      : `✅ Su cita ha sido confirmada: ${a.treatment} el ${a.date} a las ${a.time}.${a.customer_email ? " Le hemos enviado los detalles por correo." : ""}`,
  whatsapp: (a: AppointmentState, clinic: string, l: Locale) =>
    l === "en"
      ? `${clinic}: appointment confirmed for ${a.treatment} on ${a.date} at ${a.time}.`
      : `${clinic}: cita confirmada para ${a.treatment} el ${a.date} a las ${a.time}.`,
  bookingFailed: (l: Locale, undone: boolean) =>
    l === "en"
      ? `I'm sorry: I could not complete your appointment, so it is not booked.${undone ? " I cancelled the reservation I had started; if you received a confirmation, you will also receive its cancellation." : ""} Shall we try another day or time?`
      : `Lo siento: no he podido completar su cita, así que no queda reservada.${undone ? " He anulado la reserva que había iniciado; si le llegó una confirmación, recibirá también su cancelación." : ""} ¿Probamos otro día u otra hora?`,
  ticketFailed: (l: Locale) =>
    l === "en"
      ? "I'm sorry: I could not register your request with our team right now. Please write again in a few minutes or call the clinic."
      : "Lo siento: ahora mismo no he podido registrar su solicitud con nuestro equipo. Por favor, escríbanos de nuevo en unos minutos o llame a la clínica.",
  cancelFailed: (l: Locale) =>
    l === "en"
      ? "I'm sorry: I could not cancel your appointment right now; it is still booked. Please try again in a few minutes or call the clinic."
      : "Lo siento: ahora mismo no he podido anular su cita; sigue reservada. Por favor, inténtelo de nuevo en unos minutos o llame a la clínica.",
  ticketOpened: (id: string, l: Locale) =>
    l === "en"
      ? `I have passed your case to our team (ticket ${id}); a person will contact you shortly.`
      : `He trasladado su caso a nuestro equipo (incidencia ${id}); una persona se pondrá en contacto con usted en breve.`,
  cancelled: (l: Locale) =>
    l === "en"
      ? "Your appointment has been cancelled; you will receive a confirmation by email."
      : "Su cita ha sido anulada; recibirá la confirmación por correo.",
  rejected: (l: Locale) =>
    l === "en"
      ? "Our team could not approve this request, so nothing was booked or changed. A colleague will contact you."
      : "Nuestro equipo no ha podido aprobar esta solicitud, así que no se ha reservado ni cambiado nada. Un compañero se pondrá en contacto con usted.",
  awaitingApproval: (l: Locale) =>
    l === "en"
      ? "The clinic must approve this request before it is made; we will write to you as soon as it does."
      : "La clínica tiene que aprobar esta solicitud antes de hacerla efectiva; le escribiremos en cuanto lo haga.",
  stillAwaitingApproval: (l: Locale) =>
    l === "en"
      ? "Your request is still waiting for confirmation from the clinic; we will write to you as soon as it answers. If you need anything else, please write again after that."
      : "Su solicitud sigue pendiente de la confirmación de la clínica; le escribiremos en cuanto responda. Si necesita algo más, escríbanos de nuevo después.",
};
