import { validate } from 'node-cron';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import path from 'node:path';
import { ARCHIVE_DEFAULTS, type ArchiveConfig } from './archive/archive-config';

/**
 * Everything the process reads from its environment, validated once at start-up.
 * A bad value stops the process with a message naming the variable; secrets are never echoed.
 */

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/**
 * An instance id names this process in queue leases: lease_owner is varchar(64) and holds the id
 * plus '#' and 8 characters per run, so the id gets at most 40. A longer owner would fail every
 * claim on MySQL, and the instance would silently do no work.
 */
const INSTANCE_ID_MAX = 40;
const INSTANCE_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${INSTANCE_ID_MAX}}$`);

/**
 * The default instance id, `hostname:PORT`, made to fit: a hostname that is too long (or has
 * characters leases do not allow) is cut and given 8 hex characters of a hash of the whole name,
 * so the id stays the same across restarts and differs between hosts that share a long prefix.
 */
export function defaultInstanceId(port: number, hostname: string = os.hostname()): string {
  const suffix = `:${port}`;
  const plain = `${hostname}${suffix}`;
  if (INSTANCE_ID.test(plain)) return plain;
  const hash = createHash('sha256').update(hostname).digest('hex').slice(0, 8);
  const room = INSTANCE_ID_MAX - suffix.length - hash.length - 1;
  const head = hostname.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, room);
  return `${head}-${hash}${suffix}`;
}

const optionalString = z
  .string()
  .transform((v) => v.trim())
  .pipe(z.string())
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 0.0.0.0 with a real corp, 127.0.0.1 in demo mode (see loadConfig). */
  HOST: optionalString,
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/xiansuo.sqlite')
    .refine((v) => /^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(v), {
      message: 'must start with sqlite: or mysql:// (or mariadb://)',
    }),
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WECOM_CORP_ID: optionalString,
  WECOM_CONTACT_SECRET: optionalString,
  WECOM_AGENT_ID: optionalString.pipe(z.string().regex(/^\d+$/, 'must be the numeric AgentId').optional()),
  WECOM_AGENT_SECRET: optionalString,
  WECOM_CALLBACK_TOKEN: optionalString.pipe(
    z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1-32 letters or digits').optional(),
  ),
  WECOM_CALLBACK_AES_KEY: optionalString.pipe(
    z.string().regex(ENCODING_AES_KEY, 'must be the 43-character EncodingAESKey').optional(),
  ),
  WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  // WeCom's web login (the console's QR-code sign-in); demo mode points it at the simulator.
  WECOM_LOGIN_BASE: z.string().url().default('https://login.work.weixin.qq.com'),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  CALLBACK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).max(86400).default(600),
  CALLBACK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  WECOM_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
  WECOM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  // This instance's share of WeCom's per-corp, per-API limits (10,000/min, 150,000/h).
  WECOM_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(9000),
  WECOM_RATE_LIMIT_PER_HOUR: optionalString
    .pipe(z.string().regex(/^[1-9]\d{0,8}$/, 'must be a whole number from 1').optional())
    .transform((v) => (v === undefined ? undefined : Number(v))),
  INSTANCE_ID: optionalString.pipe(z.string().regex(INSTANCE_ID, `must be 1-${INSTANCE_ID_MAX} of A-Z a-z 0-9 . _ : -`).optional()),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  DEMO_SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  // Requests one mini-program session may make a minute (and 30 times that an hour).
  MP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  // The consent store customers agree to at entry (GET /api/mp/consent); defaults in entries/consent.ts.
  MP_CONSENT_VERSION: optionalString.pipe(z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 . _ -').optional()),
  MP_CONSENT_TEXT: optionalString.pipe(z.string().max(2000, 'must be at most 2000 characters').optional()),
  // How often nurture runs due steps and tracks sends (node-cron, Shanghai time; six fields for seconds).
  // How long an add_msg_template call whose answer never came is given before WeCom's list is asked whether it created it.
  NURTURE_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  NURTURE_TICK_CRON: optionalString.pipe(z.string().refine((v) => validate(v), 'must be a node-cron expression, e.g. "* * * * *"').optional()),
  // The chat archive (会话内容存档): on when ARCHIVE_SECRET is set; archive/archive-config.ts says what each does.
  ARCHIVE_SECRET: optionalString,
  ARCHIVE_PULL_CRON: optionalString.pipe(z.string().refine((v) => validate(v), 'must be a node-cron expression, e.g. "*/5 * * * *"').optional()),
  ARCHIVE_PULL_LIMIT: z.coerce.number().int().min(1).max(1000).default(1000),
  ARCHIVE_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(180),
  ARCHIVE_WAITING_ALERT_MINUTES: z.coerce.number().int().min(0).max(10080).default(30),
  ARCHIVE_DECRYPT_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  ARCHIVE_PROXY: optionalString.pipe(z.string().regex(/^(socks5|http):\/\/[^\s/]+$/, 'must be socks5://host:port or http://host:port').optional()),
  ARCHIVE_PROXY_PASSWORD: optionalString,
  ARCHIVE_SIMULATOR_URL: optionalString.pipe(z.string().url().optional()),
  ARCHIVE_MEDIA_STORE: z.enum(['disk', 's3']).default('disk'),
  ARCHIVE_MEDIA_DIR: optionalString,
  ARCHIVE_MEDIA_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  ARCHIVE_S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  ARCHIVE_S3_REGION: optionalString,
  ARCHIVE_S3_BUCKET: optionalString,
  ARCHIVE_S3_ACCESS_KEY_ID: optionalString,
  ARCHIVE_S3_SECRET_ACCESS_KEY: optionalString,
  ARCHIVE_S3_FORCE_PATH_STYLE: z.enum(['true', 'false', '1', '0']).default('true').transform((v) => v === 'true' || v === '1'),
});

export type Env = z.infer<typeof envSchema>;

export interface WecomCredentials {
  corpId: string;
  contactSecret: string;
  agentId: number;
  agentSecret: string;
  callbackToken: string;
  callbackAesKey: string;
  apiBase: string;
  /** Where WeCom's web login page is (wwlogin/sso/login); absent: login.work.weixin.qq.com. */
  loginBase?: string;
}

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string;
  role: 'all' | 'web' | 'worker';
  logLevel: Env['LOG_LEVEL'];
  /** true when no WeCom credentials were given: the built-in simulator stands in for WeCom. */
  demoMode: boolean;
  wecom: WecomCredentials;
  adminToken: string;
  callbackMaxAgeSeconds: number;
  callbackMaxBodyBytes: number;
  workerConcurrency: number;
  wecomMaxConcurrency: number;
  wecomTimeoutMs: number;
  /**
   * Calls per WeCom API per minute (and per hour) this instance makes at most; the rest wait.
   * Absent: 9,000, and the hour 15 times the minute (WeCom's own ratio).
   */
  wecomRateLimitPerMinute?: number;
  wecomRateLimitPerHour?: number;
  demoSimulatorPort: number;
  /** Requests per minute one mini-program session may make (an hour: 30 times that); absent: 120. */
  mpRateLimitPerMinute?: number;
  /** The consent text store customers agree to, and its version; absent: entries/consent.ts's defaults. */
  consentVersion?: string;
  consentText?: string;
  /** Take the client address from X-Forwarded-For (only behind a proxy that overwrites it). */
  trustProxy: boolean;
  /** node-cron expression of the nurture pass; absent: every minute. */
  nurtureTickCron?: string;
  /** Seconds after an unanswered add_msg_template began before it is reconciled; absent: 120. */
  nurtureReconcileAfterSeconds?: number;
  /** Stable name of this instance (default host:port); leases it held before a crash are freed at restart. */
  instanceId: string;
  /** The chat archive's settings; absent in a test's config: archive/archive-config.ts's defaults. */
  archive?: Partial<ArchiveConfig>;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const WECOM_REQUIRED = [
  'WECOM_CORP_ID',
  'WECOM_CONTACT_SECRET',
  'WECOM_AGENT_ID',
  'WECOM_AGENT_SECRET',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_CALLBACK_AES_KEY',
] as const;

/**
 * Parses the environment. Without any WECOM_* credential the result is in demo mode with
 * placeholder credentials that the caller replaces with the simulator's (see main.ts).
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, hostname: string = os.hostname()): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    // Only the variable name and the rule are reported; the value may be a secret.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const given = WECOM_REQUIRED.filter((name) => env[name] !== undefined);
  const demoMode = given.length === 0;
  if (!demoMode && given.length < WECOM_REQUIRED.length) {
    const missing = WECOM_REQUIRED.filter((name) => env[name] === undefined);
    throw new ConfigError(
      missing.map((name) => `${name}: required when any WeCom credential is set (leave all WECOM_* unset for demo mode)`),
    );
  }
  if (!demoMode && !env.ADMIN_TOKEN) {
    throw new ConfigError(['ADMIN_TOKEN: required when connected to a real WeCom corp']);
  }
  // A changed consent text is a new version: customers agreed to the text of the version stored with them.
  if (env.ARCHIVE_MEDIA_STORE === 's3') {
    const missing = (['ARCHIVE_S3_REGION', 'ARCHIVE_S3_BUCKET', 'ARCHIVE_S3_ACCESS_KEY_ID', 'ARCHIVE_S3_SECRET_ACCESS_KEY'] as const).filter((name) => !env[name]);
    if (missing.length) throw new ConfigError(missing.map((name) => `${name}: required with ARCHIVE_MEDIA_STORE=s3`));
  }
  if ((env.MP_CONSENT_TEXT === undefined) !== (env.MP_CONSENT_VERSION === undefined)) {
    throw new ConfigError([env.MP_CONSENT_TEXT === undefined ? 'MP_CONSENT_TEXT: required with MP_CONSENT_VERSION' : 'MP_CONSENT_VERSION: required with MP_CONSENT_TEXT']);
  }
  return {
    port: env.PORT,
    // Demo mode has a well-known corp and an admin token in a local file: it is for this machine
    // only unless HOST says otherwise. A real deployment listens on every interface by default.
    host: env.HOST ?? (demoMode ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: env.DATABASE_URL,
    role: env.ROLE,
    logLevel: env.LOG_LEVEL,
    demoMode,
    wecom: {
      corpId: env.WECOM_CORP_ID ?? '',
      contactSecret: env.WECOM_CONTACT_SECRET ?? '',
      agentId: env.WECOM_AGENT_ID ? Number(env.WECOM_AGENT_ID) : 0,
      agentSecret: env.WECOM_AGENT_SECRET ?? '',
      callbackToken: env.WECOM_CALLBACK_TOKEN ?? '',
      callbackAesKey: env.WECOM_CALLBACK_AES_KEY ?? '',
      apiBase: env.WECOM_API_BASE.replace(/\/+$/, ''),
      loginBase: env.WECOM_LOGIN_BASE.replace(/\/+$/, ''),
    },
    adminToken: env.ADMIN_TOKEN ?? '',
    callbackMaxAgeSeconds: env.CALLBACK_MAX_AGE_SECONDS,
    callbackMaxBodyBytes: env.CALLBACK_MAX_BODY_BYTES,
    workerConcurrency: env.WORKER_CONCURRENCY,
    wecomMaxConcurrency: env.WECOM_MAX_CONCURRENCY,
    wecomTimeoutMs: env.WECOM_TIMEOUT_MS,
    wecomRateLimitPerMinute: env.WECOM_RATE_LIMIT_PER_MINUTE,
    wecomRateLimitPerHour: env.WECOM_RATE_LIMIT_PER_HOUR,
    demoSimulatorPort: env.DEMO_SIMULATOR_PORT,
    mpRateLimitPerMinute: env.MP_RATE_LIMIT_PER_MINUTE,
    consentVersion: env.MP_CONSENT_VERSION,
    consentText: env.MP_CONSENT_TEXT,
    trustProxy: env.TRUST_PROXY,
    nurtureTickCron: env.NURTURE_TICK_CRON,
    nurtureReconcileAfterSeconds: env.NURTURE_RECONCILE_AFTER_SECONDS,
    instanceId: env.INSTANCE_ID ?? defaultInstanceId(env.PORT, hostname),
    archive: archiveConfigFrom(env),
  };
}

/** The ARCHIVE_* variables as ArchiveConfig (archive/archive-config.ts). */
function archiveConfigFrom(env: Env): ArchiveConfig {
  return {
    secret: env.ARCHIVE_SECRET ?? '',
    pullCron: env.ARCHIVE_PULL_CRON ?? ARCHIVE_DEFAULTS.pullCron,
    pullLimit: env.ARCHIVE_PULL_LIMIT,
    retentionDays: env.ARCHIVE_RETENTION_DAYS,
    waitingAlertMinutes: env.ARCHIVE_WAITING_ALERT_MINUTES,
    // Opening random keys is CPU-bound pure-JS RSA: one core is left for callbacks and the rest.
    decryptThreads: env.ARCHIVE_DECRYPT_THREADS ?? Math.max(1, os.cpus().length - 1),
    simulatorUrl: env.ARCHIVE_SIMULATOR_URL,
    proxy: env.ARCHIVE_PROXY,
    proxyPassword: env.ARCHIVE_PROXY_PASSWORD,
    media: {
      store: env.ARCHIVE_MEDIA_STORE,
      dir: env.ARCHIVE_MEDIA_DIR ? path.resolve(env.ARCHIVE_MEDIA_DIR) : ARCHIVE_DEFAULTS.media.dir,
      maxBytes: env.ARCHIVE_MEDIA_MAX_BYTES,
      s3:
        env.ARCHIVE_MEDIA_STORE === 's3'
          ? {
              endpoint: env.ARCHIVE_S3_ENDPOINT,
              region: env.ARCHIVE_S3_REGION!,
              bucket: env.ARCHIVE_S3_BUCKET!,
              accessKeyId: env.ARCHIVE_S3_ACCESS_KEY_ID!,
              secretAccessKey: env.ARCHIVE_S3_SECRET_ACCESS_KEY!,
              forcePathStyle: env.ARCHIVE_S3_FORCE_PATH_STYLE,
            }
          : undefined,
    },
  };
}
