import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import type { WecomClient } from '../wecom/client';
import type { WecomSimulator } from '../wecom/simulator';
import { archiveConfigOf } from './archive-config';
import { noteArchiveOn } from './archive-switch';
import type { ArchiveServices } from './archive-services';
import { ArchiveKeyRing } from './keys/key-ring';
import { randomKeyOpener } from './keys/random-key-opener';
import { loadArchiveKeysAtStartup } from './keys/startup';
import { mediaStoreFor } from './media/media-store-from-config';
import { createNativeFinanceSdk } from './sdk/native-sdk';
import { SimulatorFinanceSdk } from './sdk/simulator-sdk';

export interface StartArchiveOptions {
  /** Makes the WeCom client for a secret (runtime.ts: one client per secret, shared token store and limiter). */
  client(label: string, secret: string): WecomClient;
  logger: Logger;
  /** Demo mode and tests: the simulator plays WeCom's archive, with its own key pairs. */
  simulator?: WecomSimulator;
}

/**
 * The archive's services for this process, or null when the archive is off. On when
 * ARCHIVE_SECRET is set: the keys come from ARCHIVE_KEYS_DIR (checked at start-up already) and
 * the SDK is the native library (FINANCE_SDK_PATH; its process starts on the first pull), or a
 * simulator's archive over HTTP when ARCHIVE_SIMULATOR_URL is set (benchmarks). In demo mode and
 * tests the in-process simulator's archive stands in, with the simulator's key pairs.
 */
export function startArchive(config: AppConfig, options: StartArchiveOptions): ArchiveServices | null {
  const settings = archiveConfigOf(config);
  if (!settings.secret) return null;
  const sim = options.simulator;
  const keys = sim
    ? ArchiveKeyRing.fromPems(sim.state.archive.keys.privateKeys().map(({ version, pem }) => ({ version, pem, source: `simulator key v${version}` })))
    : loadArchiveKeysAtStartup({ ...process.env, ARCHIVE_SECRET: settings.secret });
  if (!keys) return null;
  const simulatorUrl = sim?.baseUrl ?? settings.simulatorUrl;
  const sdk = simulatorUrl
    ? new SimulatorFinanceSdk({ baseUrl: simulatorUrl, corpId: config.wecom.corpId, secret: settings.secret })
    : createNativeFinanceSdk(process.env, { corpId: config.wecom.corpId, secret: settings.secret, logger: options.logger });
  options.logger.info({ archive: { keyVersions: keys.versions, media: settings.media.store, decryptThreads: settings.decryptThreads } }, 'chat archive on');
  noteArchiveOn(true);
  return {
    sdk,
    keys,
    opener: randomKeyOpener(keys, settings.decryptThreads),
    wecom: options.client('archive', settings.secret),
    media: mediaStoreFor(settings),
  };
}

/** Frees the SDK (its process), the RSA threads and the media store's connections. */
export async function stopArchive(services: ArchiveServices | undefined): Promise<void> {
  if (!services) return;
  noteArchiveOn(false);
  await Promise.allSettled([services.sdk.close(), services.opener.close(), Promise.resolve((services.media as { close?: () => void }).close?.())]);
}
