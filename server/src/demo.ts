import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import { WecomSimulator } from './wecom/simulator';

/** Fixed demo corp, so a demo database keeps working across restarts. */
const DEMO = {
  corpId: 'wwdemo0000000000001',
  contactSecret: 'demo-contact-secret',
  agentSecret: 'demo-agent-secret',
  agentId: 1000002,
  callbackToken: 'XiansuoDemoToken',
  callbackAesKey: 'XiansuoDemoEncodingAesKey0123456789abcdefgh',
  members: [
    { userid: 'zhangsan', name: '张三' },
    { userid: 'lisi', name: '李四' },
    { userid: 'wangwu', name: '王五' },
  ],
};

/** The admin token of demo mode: ADMIN_TOKEN if set, else one generated once and kept in the data folder. */
function demoAdminToken(config: AppConfig): { token: string; file: string | null } {
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = path.resolve('data', 'demo-admin-token');
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), file };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}

/**
 * Demo mode: no WeCom credentials were given, so the built-in simulator plays WeCom on a loopback
 * port and the service is configured to talk to it.
 */
export async function startDemoWecom(config: AppConfig, logger: Logger): Promise<{ config: AppConfig; simulator: WecomSimulator }> {
  const simulator = await WecomSimulator.start({
    corpId: DEMO.corpId,
    secrets: [DEMO.contactSecret, DEMO.agentSecret],
    agentId: DEMO.agentId,
    port: config.demoSimulatorPort,
    members: DEMO.members,
  });
  const admin = demoAdminToken(config);
  const demoConfig: AppConfig = {
    ...config,
    adminToken: admin.token,
    wecom: {
      corpId: DEMO.corpId,
      contactSecret: DEMO.contactSecret,
      agentId: DEMO.agentId,
      agentSecret: DEMO.agentSecret,
      callbackToken: DEMO.callbackToken,
      callbackAesKey: DEMO.callbackAesKey,
      apiBase: simulator.baseUrl,
    },
  };
  logger.warn(
    {
      simulator: simulator.baseUrl,
      demoCorpId: DEMO.corpId,
      adminTokenFile: admin.file ?? '(from ADMIN_TOKEN)',
    },
    'DEMO MODE: no WeCom credentials set, so a built-in WeCom simulator stands in for WeCom. ' +
      'To connect a real corp, set WECOM_CORP_ID, WECOM_CONTACT_SECRET, WECOM_AGENT_ID, WECOM_AGENT_SECRET, ' +
      'WECOM_CALLBACK_TOKEN, WECOM_CALLBACK_AES_KEY and ADMIN_TOKEN (see README).',
  );
  return { config: demoConfig, simulator };
}

export const demoCorp = DEMO;
