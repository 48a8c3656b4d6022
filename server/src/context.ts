import type { DataSource } from 'typeorm';
import type { ArchiveServices } from './archive/archive-services';
import type { AppConfig } from './config';
import type { LocalIntake } from './inbox/local-intake';
import type { Logger } from './logger';
import type { WecomClient } from './wecom/client';
import type { WecomSimulator } from './wecom/simulator';

/** What commands, handlers and routes share: built once in main.ts (or by a test). */
export interface AppContext {
  config: AppConfig;
  dataSource: DataSource;
  logger: Logger;
  wecom: {
    /** 客户联系 secret: externalcontact/* APIs. */
    contact: WecomClient;
    /** The self-built app's secret: message/send, jscode2session. */
    agent: WecomClient;
  };
  /** Identifies this process in leases; stable across restarts when INSTANCE_ID is set. */
  workerId: string;
  /** Tells local workers that new work was stored, so they need not wait for their poll. */
  kick(): void;
  /** Set where workers run: callbacks this process stores may run here at once (inbox/local-intake.ts). */
  localIntake?: LocalIntake;
  /** The chat archive's SDK, keys, client and media store, when the archive is on. */
  archive?: ArchiveServices;
  /** Demo mode only: the in-process WeCom simulator. */
  demoSimulator?: WecomSimulator;
  /** Epoch ms for member sessions' expiry; Date.now unless a test moves time on. */
  clock?: () => number;
}
