import http from 'node:http';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { CallbackCrypto } from '../../server/src/wecom/crypto';
import { parseEnvelope } from '../../server/src/wecom/events';
import { CORP } from './lib/service';

/**
 * The ceiling for callback acks: a bare Koa app that reads the body, parses the envelope,
 * verifies the signature and decrypts (the same CallbackCrypto.open as the service), and answers
 * 200 without storing anything. Spawned as its own process by the ack benchmark, so it competes
 * for the same two cores the way the real service does. PORT from the environment.
 */
const crypto = new CallbackCrypto({ token: CORP.callbackToken, encodingAesKey: CORP.callbackAesKey, receiveId: CORP.corpId, maxAgeSeconds: 600 });
const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/healthz') {
    ctx.body = { status: 'ok' };
    return;
  }
  if (ctx.method !== 'POST' || ctx.path !== '/wecom/callback') {
    ctx.status = 404;
    return;
  }
  const body = await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' });
  const pick = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  try {
    const envelope = await parseEnvelope(body);
    crypto.open({ msg_signature: pick('msg_signature'), timestamp: pick('timestamp'), nonce: pick('nonce') }, envelope.encrypt);
  } catch {
    ctx.status = 400;
    return;
  }
  ctx.status = 200;
  ctx.body = '';
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
