import { ConfigError, loadConfig } from './config';
import { seedDemoMembers, startDemoWecom } from './demo';
import { createLogger } from './logger';
import { startRuntime } from './runtime';
import { autoConfirmDemoGroupMessages, seedDemoNurture } from './nurture/demo/seed-demo-nurture';
import { seedDemoChats } from './archive/demo/seed-demo-chats';

/** Process entry: `npm start`. ROLE=web|worker|all (default all). */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`xiansuo: refusing to start. ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let simulator: Awaited<ReturnType<typeof startDemoWecom>>['simulator'] | undefined;
  if (config.demoMode) {
    const demo = await startDemoWecom(config, logger);
    config = demo.config;
    simulator = demo.simulator;
  }
  const runtime = await startRuntime(config, { logger, demoSimulator: simulator });
  if (simulator) {
    // Members to sign in as: a failure here leaves the demo usable through the admin API.
    await seedDemoMembers(runtime.ctx).catch((error: Error) => logger.warn({ err: error.message }, 'demo: seeding members and roles failed'));
    // The expo channel and its example nurture series; the simulated members confirm pushes themselves.
    await seedDemoNurture(runtime.ctx).catch((error: Error) => logger.warn({ err: error.message }, 'demo: seeding the nurture example failed'));
    autoConfirmDemoGroupMessages(simulator);
    // Two customers' chats in the archive, so the console's chat pages have something to show.
    await seedDemoChats(runtime.ctx).catch((error: Error) => logger.warn({ err: error.message }, 'demo: seeding the chat archive failed'));
  }
  logger.info(
    { url: runtime.url, role: config.role, database: config.databaseUrl.split(':')[0], instanceId: config.instanceId, demoMode: config.demoMode },
    'xiansuo started',
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and work');
    const force = setTimeout(() => {
      logger.error('graceful shutdown took over 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    await runtime.stop();
    await simulator?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('xiansuo: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
