import { AuditManager } from "../audit/audit-manager.js";
import type { AppConfig, TenantConfig } from "../config/index.js";
import { CompensationOrchestrator } from "../saga/orchestrator.js";
import type { CalendarService } from "../services/calendar/index.js";
import type { ChatwootService } from "../services/chatwoot/index.js";
import type { EmailService } from "../services/email/email-service.js";
import type { VectorstoreService } from "../services/knowledge/index.js";
import type { TicketService } from "../services/tickets/index.js";
import { ToolExecutor } from "../tools/tool-executor.js";
import type { Logger } from "../util/logger.js";
import type { Closers } from "./closers.js";
import type { Stores } from "./stores.js";
import { buildTenantServices, type TenantServices } from "./tenant-services.js";

/** Everything one tenant's work needs, built once. */
export interface TenantRuntime {
  companyId: string;
  audit: AuditManager;
  executor: ToolExecutor;
  sagas: CompensationOrchestrator;
  email: EmailService;
  calendar: CalendarService;
  chatwoot: ChatwootService;
  tickets: TicketService;
}

/** The audit manager of a tenant, on the shared audit store, with the configured redaction. */
export function buildAuditManager(
  config: AppConfig,
  companyId: string,
  deps: { stores: Stores; logger: Logger },
): AuditManager {
  return new AuditManager({
    companyId,
    store: deps.stores.audit,
    ttlDays: config.env.AUDIT_TTL_DAYS,
    signingKey: config.env.AUDIT_SIGNING_KEY ?? null,
    redact: { piiKeys: config.piiKeys, secretValues: config.secretValues },
    logger: deps.logger,
  });
}

/**
 * Wires one tenant: its audit manager, its services, an executor with every service injected and
 * a saga orchestrator on the shared saga store. A webhook handler or a worker asks the App for
 * this runtime and uses `executor` and `sagas`; it never builds services itself.
 */
export function buildTenantRuntime(
  config: AppConfig,
  tenant: TenantConfig,
  deps: {
    stores: Stores;
    logger: Logger;
    closers: Closers;
    knowledge: VectorstoreService;
    clock?: () => Date;
    decorateServices?: (companyId: string, services: TenantServices) => TenantServices;
  },
): TenantRuntime {
  const { companyId } = tenant;
  const logger = deps.logger;
  const audit = buildAuditManager(config, companyId, deps);
  deps.closers.add(() => audit.close());
  const built = buildTenantServices(config, tenant, deps);
  const services = deps.decorateServices ? deps.decorateServices(companyId, built) : built;
  const executor = new ToolExecutor({
    companyId,
    auditManager: audit,
    logger,
    tenant: { clinicName: tenant.name, clinicPhone: tenant.phone, locale: tenant.locale },
  });
  executor
    .setCalendarService(services.calendar)
    .setChatwootService(services.chatwoot)
    .setTicketService(services.tickets)
    .setMultimediaService(services.multimedia)
    .setEmailService(services.email)
    .setVectorstoreService(deps.knowledge);
  const sagas = new CompensationOrchestrator({
    companyId,
    auditManager: audit,
    store: deps.stores.sagas,
    toolExecutor: executor,
    logger,
  });
  const { email, calendar, chatwoot, tickets } = services;
  return { companyId, audit, executor, sagas, email, calendar, chatwoot, tickets };
}
