import { z } from 'zod';
import { configFilePath, describeIssues, readJsonFile } from '../../util/config-file';

/** What a form key may look like: it is part of a URL and of rate-limit keys. */
export const FORM_KEY = /^[a-z0-9-]{1,40}$/;

const window = (points: number, windowSeconds: number) =>
  z
    .strictObject({
      /** Submissions allowed in one window; the next one gets 429 with Retry-After. */
      points: z.number().int().min(1).max(100_000).default(points),
      /** The window starts at the first submission it counts. */
      windowSeconds: z.number().int().min(1).max(86_400).default(windowSeconds),
    })
    .default({ points, windowSeconds });

const formSchema = z.strictObject({
  /** Shown to people (admin UI, docs); not used for matching. */
  name: z.string().trim().min(1).max(64),
  /**
   * What the lead records as where it came from: the timeline's 「…」 and the form_submit
   * activity's value that scoring rules match. Defaults to the form key.
   */
  source: z.string().trim().min(1).max(64).optional(),
  /** Tags put on the lead (Xiansuo tags, not WeCom corp tags). */
  tags: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
});

/**
 * Web forms, from config/forms.json (in XIANSUO_CONFIG_DIR when set, like every config file; or
 * the one file FORMS_CONFIG names). Only the forms listed under `forms` accept submissions: any
 * other key is 404, so a visitor cannot invent keys to multiply the per-form limit or fill the
 * reports with made-up sources. Every other key is optional and falls back to the defaults
 * below. Read once when the router is built.
 */
const schema = z.object({
  forms: z
    .record(z.string(), formSchema)
    .default({})
    .superRefine((forms, ctx) => {
      for (const key of Object.keys(forms)) {
        if (!FORM_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'form key must be 1-40 of a-z 0-9 -' });
      }
    }),
  // strictObject: the old shape ({maxPerWindow, windowSeconds}) is refused loudly rather than
  // silently replaced by the defaults.
  rateLimit: z
    .strictObject({
      /**
       * One client address across every form. Visitors behind one NAT (an office, an expo's
       * Wi-Fi, a mobile carrier) share it: raise it for such events.
       */
      perIp: window(30, 3600),
      /** One client address on one form: stops rapid repeats before they eat the whole budget. */
      perIpAndForm: window(10, 60),
    })
    .default({ perIp: { points: 30, windowSeconds: 3600 }, perIpAndForm: { points: 10, windowSeconds: 60 } }),
  maxBodyBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  maxCustomFields: z.number().int().min(0).max(200).default(30),
  maxFieldLength: z.number().int().min(1).max(10_000).default(500),
  /** A field real visitors never see; a bot that fills it is answered 201 and ignored. Empty string = off. */
  honeypotField: z.string().max(64).default('website'),
  /** Origins allowed to post from a browser with fetch (CORS); ["*"] = any. */
  allowedOrigins: z.array(z.string().max(200)).default(['*']),
});

export type FormsConfig = z.infer<typeof schema>;
export type FormDefinition = z.infer<typeof formSchema>;
export type RateLimitWindowConfig = FormsConfig['rateLimit']['perIp'];

export function loadFormsConfig(file = process.env.FORMS_CONFIG || configFilePath('forms.json')): FormsConfig {
  const raw = readJsonFile(file) ?? {};
  return parseFormsConfig(raw, file);
}

/** Validates a forms config object; `label` names the file in the error. */
export function parseFormsConfig(raw: unknown, label = 'forms config'): FormsConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${label}: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
