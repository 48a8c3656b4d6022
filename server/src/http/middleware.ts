import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import type { Logger } from '../logger';
import { WecomApiError, WecomNetworkError, WecomPacingTimeout } from '../wecom/errors';
import { HttpError } from './errors';

/** Gives every request an id (or keeps the caller's) and a child logger carrying it. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : ctx.status >= 400 ? 'warn' : 'debug';
      // The path only: query strings can hold signatures and echostr.
      ctx.state.log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}

/** Turns thrown errors into JSON replies with a stable `error` code; never leaks internals. */
export function errorHandler() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof HttpError) {
        ctx.status = error.status;
        ctx.body = { error: error.code, message: error.message, ...(error.details ?? {}) };
      } else if (error instanceof ZodError) {
        ctx.status = 400;
        ctx.body = {
          error: 'validation_failed',
          message: 'request is invalid',
          fields: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        };
      } else if (error instanceof WecomApiError) {
        ctx.status = 502;
        // WeCom's errmsg can carry this server's address ("from ip: …"): for operators (the admin
        // API), not for the phones of reps and clerks.
        ctx.body = ctx.path.startsWith('/api/admin')
          ? { error: 'wecom_error', message: error.message, errcode: error.errcode, errmsg: error.errmsg }
          : { error: 'wecom_error', message: '企业微信暂时无法完成请求，请稍后再试', errcode: error.errcode };
      } else if (error instanceof WecomPacingTimeout) {
        // The call never left: this instance's share of WeCom's budget is spent for now.
        ctx.status = 503;
        ctx.set('Retry-After', '30');
        ctx.body = { error: 'wecom_busy', message: '企业微信请求繁忙，请稍后再试' };
      } else if (error instanceof WecomNetworkError) {
        ctx.status = 502;
        ctx.body = { error: 'wecom_unreachable', message: 'WeCom could not be reached; try again' };
      } else {
        const status = (error as { status?: number; expose?: boolean }).status;
        if (status && status >= 400 && status < 500) {
          ctx.status = status;
          ctx.body = { error: 'bad_request', message: (error as Error).message };
        } else {
          ctx.state.log?.error({ err: error }, 'unhandled error');
          ctx.status = 500;
          ctx.body = { error: 'internal', message: 'internal error', requestId: ctx.state.requestId };
        }
      }
    }
  };
}
