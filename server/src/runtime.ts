import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createApp } from './app';
import type { AppConfig } from './config';
import type { AppContext } from './context';
import { isMysql, openDatabase } from './db/data-source';
import type { EventHandlers } from './inbox/handlers';
import { createInboxWorker } from './inbox/inbox-worker';
import { createJobWorkers, JobHandlers, WELCOME_LEASE_MS } from './jobs/job-worker';
import { runJobsLocally, stopRunningJobsLocally } from './jobs/local-jobs';
import { createLogger, Logger } from './logger';
import { rateBudgets, WecomClient } from './wecom/client';
import { WecomRateLimiter } from './wecom/rate-limiter';
import { DatabaseTokenStore } from './wecom/token-store';
import { eventHandlers } from './inbox/registry';
import { jobHandlers } from './jobs/registry';
import { noteExpiredWelcomes, welcomeJob } from './channels/welcome-job';
import { startScheduler, Scheduler } from './scheduler/scheduler';
import { checkConfigFiles } from './config-files';
import { startArchive, stopArchive } from './archive/start-archive';

export interface RuntimeOptions {
  logger?: Logger;
  dataSource?: DataSource;
  eventHandlers?: EventHandlers;
  jobHandlers?: JobHandlers;
  /** Serve HTTP: everything for role web/all, only /healthz and /readyz for role worker. Default: true. */
  serveHttp?: boolean;
  /** Run the inbox and job workers (role worker/all). Default: from config.role. */
  runWorkers?: boolean;
  /** Fire scheduled tasks (once per slot across instances). Default: runWorkers. */
  runScheduler?: boolean;
  /** Demo mode: the in-process simulator, for the demo endpoints. */
  demoSimulator?: AppContext['demoSimulator'];
  /** The simulator whose archive the chat archive reads instead of the native SDK (tests; demo mode uses demoSimulator's). */
  archiveSimulator?: AppContext['demoSimulator'];
}

export interface Runtime {
  ctx: AppContext;
  /** Base URL of the HTTP server, when serving. */
  url: string | null;
  server: http.Server | null;
  inbox: ReturnType<typeof createInboxWorker>;
  jobs: ReturnType<typeof createJobWorkers>;
  /** Stops taking requests, finishes in-flight requests and work, closes the database. */
  stop(): Promise<void>;
}

/** Wires database, WeCom clients, workers and the HTTP server for one process. */
export async function startRuntime(config: AppConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Before anything is opened: a broken config file stops start-up with nothing to clean up.
  checkConfigFiles();
  const dataSource = options.dataSource ?? (await openDatabase(config.databaseUrl));
  const tokenStore = new DatabaseTokenStore(dataSource);
  // One limiter for both clients: WeCom counts a corp's calls per API, whichever secret made them.
  const rateLimiter = new WecomRateLimiter({
    budgets: rateBudgets(config.wecomRateLimitPerMinute, config.wecomRateLimitPerHour),
    onExhausted: (api, waiting) => logger.info({ api, waiting }, 'WeCom API budget of this instance used up for now; calls wait (welcomes first)'),
  });
  const client = (label: string, secret: string) =>
    new WecomClient({
      apiBase: config.wecom.apiBase,
      corpId: config.wecom.corpId,
      secret,
      label,
      tokenStore,
      logger,
      timeoutMs: config.wecomTimeoutMs,
      maxConcurrency: config.wecomMaxConcurrency,
      rateLimiter,
    });
  const workerId = `${config.instanceId}#${randomUUID().slice(0, 8)}`;
  const wakers: Array<() => void> = [];
  const ctx: AppContext = {
    config,
    dataSource,
    logger,
    wecom: { contact: client('contact', config.wecom.contactSecret), agent: client('agent', config.wecom.agentSecret) },
    workerId,
    kick: () => wakers.forEach((wake) => wake()),
    demoSimulator: options.demoSimulator,
  };
  try {
    ctx.archive = startArchive(config, { client, logger, simulator: options.archiveSimulator ?? options.demoSimulator }) ?? undefined;
  } catch (error) {
    if (!options.dataSource) await dataSource.destroy();
    throw error;
  }

  // On MySQL the welcome lane gets many slots and the other lanes yield to it while welcomes
  // queue up (welcomes have a 20 s deadline, leads do not). On SQLite every statement runs on the
  // one connection inside this event loop: extra welcome slots only queue for it, and starving the
  // other lanes starves callback intake too (measured: acks slowed to seconds), so lanes share.
  const prioritizeWelcomes = isMysql(dataSource);
  const jobs = createJobWorkers(ctx, options.jobHandlers ?? jobHandlers, {
    concurrency: config.workerConcurrency,
    welcomeConcurrency: prioritizeWelcomes ? 32 : 8,
    welcomesFirst: prioritizeWelcomes,
    onWelcomesExpired: noteExpiredWelcomes,
  });
  const inbox = createInboxWorker(ctx, options.eventHandlers ?? eventHandlers, {
    concurrency: config.workerConcurrency,
    throttle: prioritizeWelcomes ? () => (jobs.welcome.saturated ? 2 : undefined) : undefined,
    welcomeLane: { worker: jobs.welcome, queue: jobs.welcomeQueue, leaseMs: WELCOME_LEASE_MS, handle: welcomeJob },
  });
  let server: http.Server | null = null;
  let url: string | null = null;
  // Listening comes first, so a taken PORT stops start-up before any work is claimed. A worker
  // serves only its health probes.
  if (options.serveHttp ?? true) {
    const app = createApp(ctx, { healthOnly: config.role === 'worker' });
    server = http.createServer(app.callback());
    server.keepAliveTimeout = 65_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
    } catch (error) {
      if (!options.dataSource) await dataSource.destroy();
      throw error;
    }
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  }

  const runWorkers = options.runWorkers ?? config.role !== 'web';
  if (runWorkers) {
    // Leases this instance held when it last died are ours to finish now, not after they expire.
    const mine = `${config.instanceId}#`;
    const freed =
      (await inbox.queue.releaseLeasesOf(mine)) + (await jobs.welcomeQueue.releaseLeasesOf(mine)) + (await jobs.queue.releaseLeasesOf(mine));
    if (freed > 0) logger.warn({ freed }, 'resuming work left unfinished by a previous run of this instance');
    wakers.push(() => inbox.worker.notify(), () => jobs.welcome.notify(), () => jobs.general.notify());
    inbox.worker.start();
    jobs.welcome.start();
    jobs.general.start();
    // Jobs this process queues run on its own worker when it has room (jobs/local-jobs.ts).
    runJobsLocally(dataSource, jobs.general);
    ctx.localIntake = inbox.local;
  }
  const scheduler: Scheduler | null = (options.runScheduler ?? runWorkers) ? startScheduler(ctx) : null;

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await scheduler?.stop();
      stopRunningJobsLocally(dataSource);
      ctx.localIntake = undefined;
      await Promise.all([inbox.worker.stop(), jobs.welcome.stop(), jobs.general.stop()]);
      await stopArchive(ctx.archive);
      if (!options.dataSource) await dataSource.destroy();
    })();
    return stopping;
  };

  return { ctx, url, server, inbox, jobs, stop };
}
