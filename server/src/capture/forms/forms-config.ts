import { z } from 'zod';
import { configFilePath, readJsonFile } from '../../util/config-file';

/**
 * Web-form limits, from config/forms.json (in XIANSUO_CONFIG_DIR when set, like every config
 * file; or the one file FORMS_CONFIG names); every key is
 * optional and falls back to the defaults below. Read once when the router is built.
 */
const schema = z.object({
  rateLimit: z
    .object({
      /** Submissions per IP and form in one fixed window; the next one gets 429. */
      maxPerWindow: z.number().int().min(1).max(100_000).default(10),
      windowSeconds: z.number().int().min(1).max(86_400).default(60),
    })
    .default({ maxPerWindow: 10, windowSeconds: 60 }),
  maxBodyBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  maxCustomFields: z.number().int().min(0).max(200).default(30),
  maxFieldLength: z.number().int().min(1).max(10_000).default(500),
  /** A field real visitors never see; a bot that fills it is answered 201 and ignored. Empty string = off. */
  honeypotField: z.string().max(64).default('website'),
  /** Origins allowed to post from a browser with fetch (CORS); ["*"] = any. */
  allowedOrigins: z.array(z.string().max(200)).default(['*']),
});

export type FormsConfig = z.infer<typeof schema>;

export function loadFormsConfig(file = process.env.FORMS_CONFIG || configFilePath('forms.json')): FormsConfig {
  const raw = readJsonFile(file) ?? {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
