import Router from '@koa/router';
import { createRouter } from '../http/router';
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import type { AppContext } from '../context';
import { storeCallback } from '../inbox/intake';
import { replyVerbatim } from '../http/mask-replies';
import { asUrgentDatabaseWork } from '../db/sqlite-serial';
import { recordCallbackVerified } from '../wecom/callback-verification';
import { CallbackCrypto, CallbackCryptoError } from '../wecom/crypto';
import { CallbackFieldError, parseCallback, parseEnvelope } from '../wecom/events';
import { XmlError } from '../wecom/xml';

const CRYPTO_STATUS: Record<CallbackCryptoError['reason'], number> = {
  bad_params: 400,
  bad_ciphertext: 400,
  bad_signature: 401,
  stale_timestamp: 401,
  wrong_receiver: 403,
};

function reject(ctx: Context, status: number, reason: string) {
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.body = reason;
}

function queryOf(ctx: Context) {
  const pick = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  return { msg_signature: pick('msg_signature'), timestamp: pick('timestamp'), nonce: pick('nonce'), echostr: pick('echostr') };
}

/**
 * GET: URL verification. POST: encrypted events, stored durably, then acknowledged with an
 * empty 200 (WeCom's "no passive reply"). Nothing here waits on a WeCom API call.
 */
export function wecomCallbackRoutes(app: AppContext): Router {
  const router = createRouter();
  const crypto = new CallbackCrypto({
    token: app.config.wecom.callbackToken,
    encodingAesKey: app.config.wecom.callbackAesKey,
    receiveId: app.config.wecom.corpId,
    maxAgeSeconds: app.config.callbackMaxAgeSeconds,
  });

  router.get('/wecom/callback', (ctx) => {
    const query = queryOf(ctx);
    try {
      // koa has already URL-decoded the query values.
      const plaintext = crypto.open(query, query.echostr ?? '');
      // Remembered for the setup check, without waiting: WeCom wants the answer within 1 s, and
      // a busy database must not fail the verification. Only a correctly signed request gets here.
      void recordCallbackVerified(app.dataSource, Date.now()).catch((error: Error) =>
        ctx.state.log.warn({ err: error.message }, 'could not record the callback URL verification'),
      );
      ctx.type = 'text/plain';
      replyVerbatim(ctx, plaintext);
    } catch (error) {
      if (error instanceof CallbackCryptoError) return reject(ctx, CRYPTO_STATUS[error.reason], error.reason);
      throw error;
    }
  });

  router.post('/wecom/callback', async (ctx) => {
    let body: string;
    try {
      body = await getRawBody(ctx.req, { limit: app.config.callbackMaxBodyBytes, encoding: 'utf8' });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      return reject(ctx, status === 413 ? 413 : 400, status === 413 ? 'body_too_large' : 'unreadable_body');
    }
    let plaintext: string;
    let parsed;
    try {
      const envelope = await parseEnvelope(body);
      plaintext = crypto.open(queryOf(ctx), envelope.encrypt);
      parsed = await parseCallback(plaintext);
    } catch (error) {
      if (error instanceof CallbackCryptoError) {
        ctx.state.log.warn({ reason: error.reason }, 'callback rejected');
        return reject(ctx, CRYPTO_STATUS[error.reason], error.reason);
      }
      if (error instanceof XmlError) {
        ctx.state.log.warn({ reason: error.message }, 'callback rejected: bad XML');
        return reject(ctx, 400, 'malformed_xml');
      }
      if (error instanceof CallbackFieldError) {
        // Signed with our token, yet not something WeCom sends: never stored, so never retried
        // by our workers. The value itself is not logged (it can be 40 KB).
        ctx.state.log.warn({ field: error.field, length: error.length, max: error.max }, 'callback rejected: id too long');
        return reject(ctx, 400, 'field_too_long');
      }
      throw error;
    }
    // When this process runs workers with a free slot, the event is stored leased to them and
    // runs here at once (inbox/local-intake.ts); otherwise a claim finds it.
    const receivedAt = Date.now();
    const leases = app.localIntake?.reserve(parsed, receivedAt) ?? null;
    try {
      const stored = await asUrgentDatabaseWork(() => storeCallback(app.dataSource, parsed, plaintext, receivedAt, leases));
      if (stored.result === 'stored' && leases) leases.stored(stored.id);
      else leases?.cancel();
      if (stored.result === 'stored' && !leases) app.kick();
      ctx.state.log.debug({ kind: parsed.event.kind, result: stored.result }, 'callback stored');
    } catch (error) {
      leases?.cancel();
      // Not durable, so not acknowledged: WeCom will retry.
      ctx.state.log.error({ err: (error as Error).message }, 'could not store callback');
      return reject(ctx, 503, 'storage_unavailable');
    }
    ctx.status = 200;
    ctx.body = '';
  });

  return router;
}
