import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { EmailService, listTemplates, resolveTemplatesDir } from "../../src/services/email/index.js";
import { useSmtpEmail } from "../support/email-fixture.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const vars = {
  customer_name: "Ana Pérez",
  appointment_date: "12/03/2025",
  appointment_time: "10:30",
  treatment: "Limpieza facial",
  clinic_name: "Clínica Benova",
};
/** The user guide's variables (section 1, Example 4), exactly as written there. */
const guideVars = {
  customer_name: "María González",
  appointment_date: "20 de Enero, 2025",
  appointment_time: "10:00 AM",
  treatment: "Aplicación de Botox",
};

describe("email templates", () => {
  const { smtp, service } = useSmtpEmail();

  it("names every missing variable and sends nothing", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_confirmation",
      templateVars: { customer_name: "Ana", appointment_date: "" },
    });
    expect(res).toMatchObject({
      success: false,
      attempts: 0,
      messageId: null,
      errorCode: "EMAIL_TEMPLATE_VARS_MISSING",
    });
    expect(res.error).toMatch(
      /^missing template variables: treatment, appointment_date, appointment_time \(template "appointment_confirmation" needs customer_name, treatment, appointment_date, appointment_time\)$/,
    );
    expect(smtp.connections).toBe(0);
    expect(smtp.messages).toHaveLength(0);
  });

  it("sends the guide's template example as written, showing its free-text date and time as given", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "customer@example.com",
      templateName: "appointment_confirmation",
      templateVars: { ...guideVars, clinic_name: "Benova Clinic", clinic_phone: "+1 234 567 8900" },
    });
    expect(res).toMatchObject({ success: true, attempts: 1 });
    const mail = smtp.messages[0]?.parsed;
    expect(mail?.subject).toBe("Confirmación de su cita – Benova Clinic");
    expect(mail?.text).toContain("Hola María González:");
    expect(mail?.text).toContain("Le confirmamos su cita en Benova Clinic.");
    expect(mail?.text).toContain("Tratamiento: Aplicación de Botox");
    expect(mail?.text).toContain("Fecha: 20 de Enero, 2025");
    expect(mail?.text).toContain("Hora: 10:00 AM");
    expect(mail?.text).toContain("llámenos al +1 234 567 8900");
    expect(mail?.html).toContain("<strong>Tratamiento:</strong> Aplicación de Botox");
  });

  it("takes clinic_name and clinic_phone from the service's settings when not given, and leaves them out when unknown", async () => {
    const configured = await service({
      clinicName: "Clínica Benova",
      clinicPhone: "+34 910 000 000",
    }).renderTemplate("appointment_reminder", guideVars);
    expect(configured.subject).toBe("Recordatorio de su cita – Clínica Benova");
    expect(configured.text).toContain("tiene una cita en Clínica Benova.");
    expect(configured.text).toContain("+34 910 000 000");
    // Given values win over the settings.
    const given = service({ clinicName: "Clínica Benova" }).renderTemplate("appointment_reminder", {
      ...guideVars,
      clinic_name: "Benova Norte",
    });
    expect(given.subject).toBe("Recordatorio de su cita – Benova Norte");
    // fromName stands in for an unset clinicName.
    expect(
      service({ fromName: "Benova Clinic" }).renderTemplate("appointment_reminder", guideVars).subject,
    ).toBe("Recordatorio de su cita – Benova Clinic");
    const bare = service().renderTemplate("appointment_reminder", guideVars);
    expect(bare.subject).toBe("Recordatorio de su cita");
    expect(bare.text).toContain("tiene una cita.");
    expect(bare.text).toContain("El equipo de la clínica");
    expect(bare.text).not.toMatch(/llámenos|undefined/);
  });

  it("accepts service_name as the older name of treatment, and refuses both when they differ", async () => {
    const { treatment: _, ...rest } = guideVars;
    const old = service().renderTemplate("appointment_confirmation", { ...rest, service_name: "Peeling" });
    expect(old.text).toContain("Tratamiento: Peeling");
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_confirmation",
      templateVars: { ...guideVars, service_name: "Peeling" },
    });
    expect(res).toMatchObject({ success: false, attempts: 0, errorCode: "EMAIL_TEMPLATE_VARS_INVALID" });
    expect(res.error).toBe(
      "template variables treatment and service_name (its older alias) differ; send only treatment",
    );
    expect(smtp.connections).toBe(0);
  });

  it("keeps a subject on one line whatever the variables hold", () => {
    const out = service().renderTemplate("appointment_confirmation", {
      ...guideVars,
      clinic_name: "Benova\r\nBcc: victima@example.com",
    });
    expect(out.subject).toBe("Confirmación de su cita – Benova Bcc: victima@example.com");
  });

  it("HTML-escapes every variable in the body and keeps the subject as plain text", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_confirmation",
      templateVars: {
        ...vars,
        customer_name: '<script>alert("x")</script>',
        clinic_name: "Benova & Co <Madrid>",
      },
    });
    expect(res.success).toBe(true);
    const mail = smtp.messages[0]?.parsed;
    expect(mail?.html).not.toContain("<script>");
    expect(mail?.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(mail?.html).toContain("Benova &amp; Co &lt;Madrid&gt;");
    expect(mail?.subject).toBe("Confirmación de su cita – Benova & Co <Madrid>");
    // The text part shows what the reader sees in the HTML.
    expect(mail?.text).toContain('Hola <script>alert("x")</script>:');
  });

  it("lists the known templates when asked for an unknown one, and sends nothing", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "welcome",
      templateVars: vars,
    });
    expect(res).toMatchObject({ success: false, attempts: 0, errorCode: "EMAIL_TEMPLATE_UNKNOWN" });
    expect(res.error).toContain('unknown template "welcome"');
    expect(res.error).toContain("appointment_cancellation, appointment_confirmation, appointment_reminder");
    expect(smtp.connections).toBe(0);
  });

  it("sends Spanish by default and English on request", async () => {
    const s = service();
    await s.sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_reminder",
      templateVars: vars,
    });
    await s.sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_reminder",
      templateVars: vars,
      locale: "en",
    });
    expect(smtp.messages.map((m) => m.parsed.subject)).toEqual([
      "Recordatorio de su cita – Clínica Benova",
      "Appointment reminder – Clínica Benova",
    ]);
    expect(smtp.messages[1]?.parsed.text).toContain("Hello Ana Pérez,");
    const bad = await s.sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_reminder",
      templateVars: vars,
      locale: "fr" as "en",
    });
    expect(bad).toMatchObject({ success: false, errorCode: "EMAIL_INVALID_INPUT" });
    expect(bad.error).toContain("locale");
  });

  it("shows the cancellation reason only when one is given", async () => {
    const s = service();
    const withReason = s.renderTemplate("appointment_cancellation", {
      ...vars,
      reason: "Baja médica del especialista",
    });
    const without = s.renderTemplate("appointment_cancellation", vars);
    expect(withReason.subject).toBe("Cancelación de su cita – Clínica Benova");
    expect(withReason.text).toContain("Motivo: Baja médica del especialista");
    expect(without.text).not.toContain("Motivo");
    expect(without.html).not.toContain("{{");
  });

  it("refuses variables that are neither strings nor numbers, by name", async () => {
    const res = await service().sendTemplateEmail({
      toEmail: "ana@example.com",
      templateName: "appointment_confirmation",
      templateVars: { ...vars, customer_name: { first: "Ana" } as unknown as string },
    });
    expect(res).toMatchObject({ success: false, errorCode: "EMAIL_TEMPLATE_VARS_INVALID" });
    expect(res.error).toContain("customer_name");
  });

  it("lists the three templates in both locales with the guide's required variables in each", () => {
    const required = ["customer_name", "appointment_date", "appointment_time", "treatment"];
    const list = listTemplates();
    expect(list.map((t) => t.name)).toEqual([
      "appointment_cancellation",
      "appointment_confirmation",
      "appointment_reminder",
    ]);
    for (const t of list) {
      expect(t.locales.sort()).toEqual(["en", "es"]);
      expect([...t.requiredVars].sort()).toEqual([...required].sort());
    }
    expect([...(list[0]?.optionalVars ?? [])].sort()).toEqual(["clinic_name", "clinic_phone", "reason"]);
    expect([...(list[1]?.optionalVars ?? [])].sort()).toEqual(["clinic_name", "clinic_phone"]);
    expect([...(list[2]?.optionalVars ?? [])].sort()).toEqual(["clinic_name", "clinic_phone"]);
    const s = service();
    for (const t of list) {
      for (const locale of ["es", "en"] as const) {
        const out = s.renderTemplate(t.name, { ...vars, reason: "x" }, locale);
        expect(out.html).not.toMatch(/\{\{|\}\}/);
        expect(out.text).toContain("Limpieza facial");
        expect(out.subject).toContain("Clínica Benova");
      }
    }
  });

  it("reads templates from templatesDir, and reports a missing directory as a configuration error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "email-templates-"));
    try {
      mkdirSync(join(dir, "es"));
      writeFileSync(join(dir, "es", "welcome.subject.txt"), "Bienvenida, {{name}}\n");
      writeFileSync(
        join(dir, "es", "welcome.html"),
        "<p>Hola {{name}}{{#code}}, su código es {{code}}{{/code}}</p>",
      );
      const custom = new EmailService({ companyId: "benova", templatesDir: dir });
      expect(custom.listTemplates()).toEqual([
        { name: "welcome", locales: ["es"], requiredVars: ["name"], optionalVars: ["code"] },
      ]);
      expect(custom.renderTemplate("welcome", { name: "Ana", code: 42 })).toMatchObject({
        subject: "Bienvenida, Ana",
        text: "Hola Ana, su código es 42",
      });
      // A template that would print a variable unescaped is refused when the directory is loaded.
      mkdirSync(join(dir, "raw", "es"), { recursive: true });
      writeFileSync(join(dir, "raw", "es", "raw.subject.txt"), "Hola\n");
      writeFileSync(join(dir, "raw", "es", "raw.html"), "<p>{{{name}}}</p>");
      const raw = new EmailService({ companyId: "benova", templatesDir: join(dir, "raw") });
      expect(() => raw.listTemplates()).toThrow(
        /raw\.html: \{\{\{name\}\}\} \/ \{\{&name\}\} would skip HTML escaping/,
      );
      const missing = new EmailService({ companyId: "benova", templatesDir: join(dir, "nope") });
      const res = await missing.sendTemplateEmail({
        toEmail: "ana@example.com",
        templateName: "welcome",
        templateVars: {},
      });
      expect(res).toMatchObject({ success: false, errorCode: "EMAIL_CONFIG_INVALID", attempts: 0 });
      expect(res.error).toContain("templatesDir");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the templates from the compiled dist/ layout by walking up to the package root", () => {
    const shipped = join(ROOT, "src", "services", "email", "templates");
    expect(resolveTemplatesDir(pathToFileURL(join(ROOT, "src/services/email/templates.ts")).href)).toBe(
      shipped,
    );
    expect(resolveTemplatesDir(pathToFileURL(join(ROOT, "dist/src/services/email/templates.js")).href)).toBe(
      shipped,
    );
    expect(() => resolveTemplatesDir(pathToFileURL("/no-such-root/lib/templates.js").href)).toThrow(
      /set templatesDir/,
    );
  });
});
