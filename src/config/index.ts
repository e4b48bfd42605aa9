import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { AgentLedgerError } from "../util/errors.js";
import { type Env, EnvSchema, type TenantConfig, TenantSchema } from "./schema.js";
import { secretValuesOf } from "./secrets.js";

export { type Env, type TenantConfig, TenantSchema } from "./schema.js";

/** Raised when the environment or the tenants file holds a bad value; the message names it. */
export class ConfigError extends AgentLedgerError {
  override readonly name = "ConfigError";
  readonly code = "CONFIG_INVALID";
  readonly retriable = false;
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join("\n  - ")}`);
  }
}

export interface AppConfig {
  env: Env;
  dataDir: string;
  defaultCompanyId: string;
  tenants: Map<string, TenantConfig>;
  /** Literal secret values from the environment, scrubbed from audit entries and logs. */
  secretValues: string[];
  piiKeys: string[];
}

function formatIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join(".");
    return `${prefix}${path}: ${issue.message}`;
  });
}

/**
 * Reads and validates the configuration once. Nothing else in the project reads `process.env`.
 * A bad value throws a ConfigError that names the variable and what is expected.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, ""));
  const env = parsed.data;
  const tenants = new Map<string, TenantConfig>();
  if (env.TENANTS_FILE) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(resolve(env.TENANTS_FILE), "utf8"));
    } catch (err) {
      throw new ConfigError([
        `TENANTS_FILE: cannot read ${env.TENANTS_FILE} as JSON (${(err as Error).message})`,
      ]);
    }
    const list = z
      .array(TenantSchema)
      .safeParse(Array.isArray(raw) ? raw : (raw as { tenants?: unknown })?.tenants);
    if (!list.success) throw new ConfigError(formatIssues(list.error, "TENANTS_FILE tenants."));
    for (const t of list.data) tenants.set(t.companyId, t);
  }
  if (!tenants.has(env.COMPANY_ID))
    tenants.set(env.COMPANY_ID, TenantSchema.parse({ companyId: env.COMPANY_ID }));
  const secretValues = secretValuesOf(env, tenants.values());
  return {
    env,
    dataDir: resolve(env.DATA_DIR),
    defaultCompanyId: env.COMPANY_ID,
    tenants,
    secretValues,
    piiKeys: (env.AUDIT_PII_KEYS ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
  };
}

/** The tenant's settings, or a clear error for an unknown tenant. */
export function tenantConfig(config: AppConfig, companyId: string): TenantConfig {
  const t = config.tenants.get(companyId);
  if (!t)
    throw new ConfigError([
      `companyId: unknown tenant "${companyId}" (known: ${[...config.tenants.keys()].join(", ")})`,
    ]);
  return t;
}
