import Router from '@koa/router';
import { createRouter } from '../http/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import type { AppContext } from '../context';
import { cleanJson, TooDeepError } from '../util/clean-text';
import { FORM_KEY, FormDefinition, FormsConfig, loadFormsConfig } from '../capture/forms/forms-config';
import { hashIp, rateLimitSubject } from '../capture/forms/ip-hash';
import { parseSubmission } from '../capture/forms/parse-submission';
import { FormRateLimiter } from '../capture/forms/rate-limit';
import { submitForm } from '../capture/forms/submit-form';
import { HttpError } from '../http/errors';

function cors(config: FormsConfig) {
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get('origin');
    const any = config.allowedOrigins.includes('*');
    if (origin && (any || config.allowedOrigins.includes(origin))) {
      ctx.set('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!any) ctx.vary('Origin');
    }
    await next();
  };
}

/** Body parsing with the form's own small limit; its errors become our JSON error codes. */
function formBody(config: FormsConfig) {
  const parse = bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: config.maxBodyBytes,
    formLimit: config.maxBodyBytes,
    encoding: 'utf-8',
    onError: (error) => {
      const status = (error as { status?: number }).status;
      if (status === 413) throw new HttpError(413, 'payload_too_large', `请求内容过大（最多 ${config.maxBodyBytes} 字节）`);
      throw new HttpError(400, 'invalid_body', '提交的内容格式不正确');
    },
  });
  return async (ctx: Context, next: Next) => {
    if (!ctx.is('json', 'urlencoded')) throw new HttpError(415, 'unsupported_media_type', '请以 JSON 或表单格式提交');
    return parse(ctx, async () => {
      // The same cleaning as the admin and rep APIs: no control, bidi or zero-width characters
      // reach a lead's name or the timeline from a public form.
      try {
        ctx.request.body = cleanJson(ctx.request.body);
      } catch (error) {
        if (error instanceof TooDeepError) throw new HttpError(400, 'invalid_body', '提交的内容格式不正确');
        throw error;
      }
      await next();
    });
  };
}

/**
 * /api/public/forms/:formKey/submissions — the web form endpoint, open to anyone (no auth), for
 * the forms listed in config/forms.json only (any other key is 404 and costs nothing): rate-limited
 * per client address across all forms and per address and form, shared by every instance;
 * bounded body, honeypot, and a reply that never echoes lead data.
 */
export function publicFormRoutes(app: AppContext, config: FormsConfig = loadFormsConfig()): Router {
  const router = createRouter({ prefix: '/api/public/forms' });
  // A Map, not the parsed object: a key such as "constructor" must not find Object.prototype's.
  const forms = new Map<string, FormDefinition>(Object.entries(config.forms));
  if (!forms.size) app.logger.warn('config/forms.json lists no forms: every web form submission is answered 404');
  const limiter = new FormRateLimiter(app.dataSource, config.rateLimit);
  router.use(cors(config));

  router.options('/:formKey/submissions', (ctx) => {
    if (!forms.has(ctx.params.formKey)) throw new HttpError(404, 'not_found', 'form not found');
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'content-type');
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
  });

  router.post(
    '/:formKey/submissions',
    async (ctx, next) => {
      const formKey = ctx.params.formKey;
      const form = FORM_KEY.test(formKey) ? forms.get(formKey) : undefined;
      if (!form) throw new HttpError(404, 'not_found', 'form not found');
      // Counted before the body is read, so floods of junk cost as little as possible.
      const ip = ctx.ip || 'unknown';
      const subject = await hashIp(app.dataSource, rateLimitSubject(ip));
      let verdict;
      try {
        verdict = await limiter.hit(subject, formKey);
      } catch (error) {
        ctx.state.log?.error({ err: (error as Error).message }, 'form rate limiter unavailable');
        ctx.set('Retry-After', '30');
        throw new HttpError(503, 'unavailable', '服务暂时不可用，请稍后再试');
      }
      if (!verdict.allowed) {
        ctx.set('Retry-After', String(verdict.retryAfterSeconds));
        throw new HttpError(429, 'rate_limited', '提交过于频繁，请稍后再试');
      }
      ctx.state.formKey = formKey;
      ctx.state.form = form;
      ctx.state.ipHash = await hashIp(app.dataSource, ip);
      await next();
    },
    formBody(config),
    async (ctx) => {
      const outcome = parseSubmission(ctx.request.body, ctx.get('referer') || undefined, config);
      if (outcome.kind === 'invalid') {
        throw new HttpError(400, 'validation_failed', '提交的内容有误，请检查后重试', { fields: outcome.problems.map((p) => ({ path: p.field, code: p.code, message: p.message })) });
      }
      if (outcome.kind === 'ok') await submitForm(app, ctx.state.formKey, ctx.state.form, outcome.submission, ctx.state.ipHash);
      // A honeypot hit gets the same reply as a real submission, so the bot learns nothing.
      ctx.status = 201;
      ctx.body = { ok: true };
    },
  );
  return router;
}
