import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { cleanJson, TooDeepError } from '../util/clean-text';
import { HttpError } from './errors';

/**
 * JSON request bodies for the admin and rep APIs: parsed within `limit`, then cleaned (control,
 * bidi and zero-width characters stripped) and refused with 400 when nested absurdly deep,
 * before any handler or validator sees them.
 */
export function jsonBody(options: { limit: string }) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: options.limit,
    encoding: 'utf-8',
    onError: (error) => {
      const status = (error as { status?: number }).status;
      if (status === 413) throw new HttpError(413, 'payload_too_large', `the body is larger than ${options.limit}`);
      throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
    },
  });
  return (ctx: Context, next: Next) =>
    parse(ctx, async () => {
      if (ctx.request.body !== undefined) {
        try {
          ctx.request.body = cleanJson(ctx.request.body);
        } catch (error) {
          if (error instanceof TooDeepError) throw new HttpError(400, 'too_deep', error.message);
          throw error;
        }
      }
      await next();
    });
}
