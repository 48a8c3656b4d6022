import Router from '@koa/router';
import type { AppContext } from '../../context';
import { runSetupCheck, type SetupCheckReport } from '../../console/setup-check/run-setup-check';
import { createRouter } from '../../http/router';
import { callbackVerifiedAt, recordCallbackVerified } from '../../wecom/callback-verification';
import { WecomDriver } from '../../wecom/simulator';
import { requireConsoleAdmin } from './require-admin';

/**
 * GET /api/console/setup-check (admin only): 「接入检查」, asking WeCom now (console/setup-check/).
 * Requests that arrive while a check runs share it: a double click makes one set of calls.
 */
export function consoleSetupCheckRoutes(app: AppContext): Router {
  const router = createRouter({ prefix: '/setup-check' });
  router.use(requireConsoleAdmin);
  let running: Promise<SetupCheckReport> | null = null;

  router.get('/', async (ctx) => {
    // Where WeCom must send callbacks: this address as the browser reached it (behind a trusted proxy, the forwarded one).
    const callbackUrl = `${ctx.protocol}://${ctx.host}/wecom/callback`;
    running ??= (async () => {
      try {
        await verifyDemoCallback(app, ctx.socket.localPort);
        return await runSetupCheck(app, { callbackUrl });
      } finally {
        running = null;
      }
    })();
    ctx.body = await running;
  });
  return router;
}

/**
 * Demo mode: the simulator plays WeCom, and WeCom verifies a callback URL when an admin saves it.
 * The demo never had that moment, so the first check plays it — a real signed GET to this
 * service's callback route — and the demo reads like a corp that was set up.
 */
async function verifyDemoCallback(app: AppContext, port: number | undefined): Promise<void> {
  const simulator = app.demoSimulator;
  if (!app.config.demoMode || !simulator || !port || (await callbackVerifiedAt(app.dataSource))) return;
  const driver = new WecomDriver({
    callbackUrl: `http://127.0.0.1:${port}/wecom/callback`,
    token: app.config.wecom.callbackToken,
    encodingAesKey: app.config.wecom.callbackAesKey,
    corpId: app.config.wecom.corpId,
    simulator,
  });
  const result = await driver.verifyUrl().catch(() => null);
  // The callback route records it too, without waiting; recorded here so this check sees it.
  if (result?.ok) await recordCallbackVerified(app.dataSource, Date.now());
}
