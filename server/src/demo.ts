import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from './config';
import type { AppContext } from './context';
import type { Logger } from './logger';
import { createStore, getMember, updateMember } from './members/commands';
import type { MemberRole } from './members/member-actor';
import { Store } from './members/store.entity';
import { syncMembers } from './members/sync';
import { createTeam } from './teams/commands';
import { Team } from './teams/team.entity';
import { WecomSimulator } from './wecom/simulator';
import { DEMO_NURTURE_TICK_CRON } from './nurture/demo/seed-demo-nurture';

/**
 * Fixed demo corp, so a demo database keeps working across restarts. The callback token and
 * EncodingAESKey are not here: anyone who knows them can sign callbacks, so each installation
 * generates its own (demoCallbackSecrets).
 */
const DEMO = {
  corpId: 'wwdemo0000000000001',
  contactSecret: 'demo-contact-secret',
  agentSecret: 'demo-agent-secret',
  /** The simulator's 会话内容存档 secret: the demo's chat archive is on. */
  archiveSecret: 'demo-archive-secret',
  agentId: 1000002,
  members: [
    { userid: 'zhangsan', name: '张三' },
    { userid: 'lisi', name: '李四' },
    { userid: 'wangwu', name: '王五' },
    { userid: 'zhaoliu', name: '赵六' },
    { userid: 'sunqi', name: '孙七' },
  ],
  /** Seeded once (seedDemoMembers): a team, a store, and a role for every simulated member. */
  team: { name: '演示销售组', members: ['zhangsan', 'lisi'] },
  store: { name: '静安店' },
  roles: {
    zhangsan: { roles: ['rep'] },
    lisi: { roles: ['rep'] },
    wangwu: { roles: ['manager'], managesDemoTeam: true },
    zhaoliu: { roles: ['store_staff'], inDemoStore: true },
    // The operator: signs in to the console (issue 12) with every page.
    sunqi: { roles: ['admin'] },
  } as Record<string, { roles: MemberRole[]; managesDemoTeam?: boolean; inDemoStore?: boolean }>,
};

/** Where demo mode keeps what it generates: ./data, beside the default SQLite database. */
const demoDataDir = () => path.resolve('data');

/**
 * The text in `file`, made by `generate` the first time and kept private (0600), so a restart
 * finds the same value. 'wx' makes two processes starting at once agree on one value.
 */
function persistedSecret(file: string, generate: () => string): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** The admin token of demo mode: ADMIN_TOKEN if set, else one generated once and kept in the data folder. */
function demoAdminToken(config: AppConfig): { token: string; file: string | null } {
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = path.join(demoDataDir(), 'demo-admin-token');
  return { token: persistedSecret(file, () => randomBytes(24).toString('base64url')), file };
}

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** `length` characters of [A-Za-z0-9], uniformly (rejection sampling: 248 = 4 × 62). */
function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += LETTERS_AND_DIGITS[byte % 62];
    }
  }
  return out;
}

/**
 * The demo callback token (32 letters and digits, WeCom's maximum) and EncodingAESKey (43),
 * generated once per data folder and kept there, private, like the admin token: a restart
 * keeps the same pair, and no other installation knows it.
 */
export function demoCallbackSecrets(dir: string = demoDataDir()): { token: string; aesKey: string; file: string } {
  const file = path.join(dir, 'demo-callback-secrets');
  const text = persistedSecret(file, () => JSON.stringify({ token: randomAlphanumeric(32), aesKey: randomAlphanumeric(43) }));
  let parsed: { token?: unknown; aesKey?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = {};
  }
  const { token, aesKey } = parsed;
  if (typeof token !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(token) || typeof aesKey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(aesKey)) {
    throw new Error(`${file} is damaged: delete it and restart, and demo mode makes a new one`);
  }
  return { token, aesKey, file };
}

/**
 * Demo mode: no WeCom credentials were given, so the built-in simulator plays WeCom on a loopback
 * port and the service is configured to talk to it.
 */
export async function startDemoWecom(config: AppConfig, logger: Logger): Promise<{ config: AppConfig; simulator: WecomSimulator }> {
  // Before the simulator starts: a damaged secrets file stops start-up with nothing to clean up.
  const admin = demoAdminToken(config);
  const callback = demoCallbackSecrets();
  const simulator = await WecomSimulator.start({
    corpId: DEMO.corpId,
    secrets: [DEMO.contactSecret, DEMO.agentSecret, DEMO.archiveSecret],
    agentId: DEMO.agentId,
    port: config.demoSimulatorPort,
    members: DEMO.members,
  });
  const demoConfig: AppConfig = {
    ...config,
    // A nurture series whose steps are minutes apart is watched best with a pass every few seconds.
    nurtureTickCron: config.nurtureTickCron ?? DEMO_NURTURE_TICK_CRON,
    adminToken: admin.token,
    // The simulator's archive, with its own key pairs (archive/start-archive.ts).
    archive: { ...config.archive, secret: DEMO.archiveSecret },
    wecom: {
      corpId: DEMO.corpId,
      contactSecret: DEMO.contactSecret,
      agentId: DEMO.agentId,
      agentSecret: DEMO.agentSecret,
      callbackToken: callback.token,
      callbackAesKey: callback.aesKey,
      apiBase: simulator.baseUrl,
      loginBase: simulator.baseUrl,
    },
  };
  logger.warn(
    {
      simulator: simulator.baseUrl,
      demoCorpId: DEMO.corpId,
      adminTokenFile: admin.file ?? '(from ADMIN_TOKEN)',
      callbackSecretsFile: callback.file,
      listening: config.host,
    },
    'DEMO MODE: no WeCom credentials set, so a built-in WeCom simulator stands in for WeCom. ' +
      'To connect a real corp, set WECOM_CORP_ID, WECOM_CONTACT_SECRET, WECOM_AGENT_ID, WECOM_AGENT_SECRET, ' +
      'WECOM_CALLBACK_TOKEN, WECOM_CALLBACK_AES_KEY and ADMIN_TOKEN (see README).' +
      (config.host === '127.0.0.1' ? ' Listening on 127.0.0.1 only; set HOST to reach the demo from other machines.' : ''),
  );
  return { config: demoConfig, simulator };
}

/**
 * Demo mode: the simulated members become Xiansuo members (a member sync through the simulator)
 * with a role each, so a newcomer can sign in to the mini-program as any of them at once: 张三
 * and 李四 reps in 演示销售组, 王五 its manager, 赵六 store staff at 静安店, 孙七 the admin (the
 * console's operator). Only members without
 * a role get one, so roles changed through the admin API survive a restart.
 */
export async function seedDemoMembers(ctx: AppContext): Promise<void> {
  await syncMembers(ctx);
  const team =
    (await ctx.dataSource.getRepository(Team).findOneBy({ name: DEMO.team.name })) ??
    (await createTeam(ctx, {
      name: DEMO.team.name,
      maxActiveLeads: 200,
      followUpHours: null,
      dailyClaimLimit: null,
      members: DEMO.team.members.map((userId) => ({ userId, active: true })),
    }, null));
  const store = (await ctx.dataSource.getRepository(Store).findOneBy({ name: DEMO.store.name })) ?? (await createStore(ctx, { name: DEMO.store.name }));
  for (const [userId, grant] of Object.entries(DEMO.roles)) {
    if ((await getMember(ctx, userId)).roles.length) continue;
    await updateMember(ctx, userId, {
      roles: grant.roles,
      ...(grant.managesDemoTeam ? { managedTeamIds: [team.id] } : {}),
      ...(grant.inDemoStore ? { storeId: store.id } : {}),
    }, null);
  }
}

export const demoCorp = DEMO;
