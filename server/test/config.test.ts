import os from 'node:os';
import { ConfigError, loadConfig } from '../src/config';

/** loadConfig is pure over the env object it is given; process.env is never touched here. */

const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const SECRETS = {
  WECOM_CONTACT_SECRET: 'Contact-Secret-Value-9f8e7d6c5b4a',
  WECOM_AGENT_SECRET: 'Agent-Secret-Value-1a2b3c4d5e6f',
  WECOM_CALLBACK_TOKEN: 'CbTokenValue42',
  WECOM_CALLBACK_AES_KEY: AES_KEY,
  ADMIN_TOKEN: 'admin-token-value-0123456789abcdef',
};
const REAL: Record<string, string> = {
  WECOM_CORP_ID: 'ww0123456789abcdef',
  WECOM_AGENT_ID: '1000002',
  ...SECRETS,
};
const WECOM_VARS = [
  'WECOM_CORP_ID',
  'WECOM_CONTACT_SECRET',
  'WECOM_AGENT_ID',
  'WECOM_AGENT_SECRET',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_CALLBACK_AES_KEY',
] as const;

/** The ConfigError loadConfig throws for `env` (fails the test if it does not throw one). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

/** Neither the message nor the problem list echoes any of the values. */
function expectNoValues(error: ConfigError, values: string[]) {
  const text = `${error.message}\n${error.problems.join('\n')}\n${error.stack}`;
  for (const value of values) expect(text).not.toContain(value);
}

const without = (name: string) => Object.fromEntries(Object.entries(REAL).filter(([k]) => k !== name));

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      // No credentials = demo mode, which listens on loopback only (see the HOST test below).
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/xiansuo.sqlite',
      role: 'all',
      logLevel: 'info',
      callbackMaxAgeSeconds: 600,
      callbackMaxBodyBytes: 64 * 1024,
      workerConcurrency: 8,
      wecomMaxConcurrency: 16,
      wecomTimeoutMs: 5000,
      demoSimulatorPort: 0,
    });
    expect(config.wecom.apiBase).toBe('https://qyapi.weixin.qq.com');
    expect(config.instanceId).toBe(`${os.hostname()}:3000`);
  });

  it('is in demo mode when no WECOM_* credential is set, and needs no ADMIN_TOKEN then', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(config.demoMode).toBe(true);
    expect(config.adminToken).toBe('');
    expect(config.wecom).toMatchObject({ corpId: '', contactSecret: '', agentId: 0, agentSecret: '', callbackToken: '', callbackAesKey: '' });
    // Blank values count as unset, and WECOM_API_BASE is not a credential.
    expect(loadConfig({ WECOM_CORP_ID: '   ', WECOM_CONTACT_SECRET: '', WECOM_API_BASE: 'http://127.0.0.1:9999' }).demoMode).toBe(true);
  });

  it('with every credential: real mode, values parsed', () => {
    const config = loadConfig({
      ...REAL,
      PORT: '8080',
      DATABASE_URL: 'mysql://xs:pw@db:3306/xiansuo',
      WECOM_API_BASE: 'http://127.0.0.1:9999/',
      INSTANCE_ID: 'web-1',
      ROLE: 'worker',
    });
    expect(config.demoMode).toBe(false);
    expect(config.wecom).toEqual({
      corpId: REAL.WECOM_CORP_ID,
      contactSecret: SECRETS.WECOM_CONTACT_SECRET,
      agentId: 1000002,
      agentSecret: SECRETS.WECOM_AGENT_SECRET,
      callbackToken: SECRETS.WECOM_CALLBACK_TOKEN,
      callbackAesKey: AES_KEY,
      apiBase: 'http://127.0.0.1:9999',
      loginBase: 'https://login.work.weixin.qq.com',
    });
    expect(config).toMatchObject({ port: 8080, databaseUrl: 'mysql://xs:pw@db:3306/xiansuo', adminToken: SECRETS.ADMIN_TOKEN, instanceId: 'web-1', role: 'worker' });
    // Surrounding whitespace (a common copy-paste accident) is trimmed.
    expect(loadConfig({ ...REAL, WECOM_CONTACT_SECRET: `  ${SECRETS.WECOM_CONTACT_SECRET}\n` }).wecom.contactSecret).toBe(SECRETS.WECOM_CONTACT_SECRET);
  });

  it.each(WECOM_VARS)('partial credentials without %s are refused, naming it', (missing) => {
    const error = configError(without(missing));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].startsWith(`${missing}:`)).toBe(true);
    expect(error.message).toContain(missing);
    expectNoValues(error, Object.values(SECRETS));
  });

  it('a single credential alone is refused, naming every missing variable but not the given value', () => {
    const error = configError({ WECOM_CONTACT_SECRET: SECRETS.WECOM_CONTACT_SECRET });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(WECOM_VARS.filter((v) => v !== 'WECOM_CONTACT_SECRET').sort());
    expectNoValues(error, [SECRETS.WECOM_CONTACT_SECRET]);
  });

  it.each([
    ['too short', AES_KEY.slice(0, 42)],
    ['too long', `${AES_KEY}=`],
    ['not alphanumeric', `${AES_KEY.slice(0, 42)}+`],
  ])('a bad WECOM_CALLBACK_AES_KEY (%s) is refused without echoing it', (_name, key) => {
    const error = configError({ ...REAL, WECOM_CALLBACK_AES_KEY: key });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^WECOM_CALLBACK_AES_KEY: /);
    expectNoValues(error, [key, ...Object.values(SECRETS)]);
  });

  it.each(['abc', '10000x2', '-5', '1.5'])('a non-numeric WECOM_AGENT_ID (%s) is refused, naming it', (agentId) => {
    const error = configError({ ...REAL, WECOM_AGENT_ID: agentId });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^WECOM_AGENT_ID: /);
    expectNoValues(error, Object.values(SECRETS));
  });

  it('a bad WECOM_CALLBACK_TOKEN is refused without echoing it', () => {
    const token = 'has spaces and symbols!';
    const error = configError({ ...REAL, WECOM_CALLBACK_TOKEN: token });
    expect(error.problems[0]).toMatch(/^WECOM_CALLBACK_TOKEN: /);
    expectNoValues(error, [token]);
  });

  it.each([
    'postgres://xs:Db-Pa55word-Zz@db:5432/xiansuo',
    'xiansuo.sqlite',
    'http://db.example.com/xiansuo',
  ])('a bad DATABASE_URL (%s) is refused, naming the variable without echoing it', (url) => {
    const error = configError({ DATABASE_URL: url });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^DATABASE_URL: /);
    expectNoValues(error, [url, 'Db-Pa55word-Zz']);
  });

  it('ADMIN_TOKEN is required with real credentials, and must be long enough', () => {
    const missing = configError(without('ADMIN_TOKEN'));
    expect(missing.problems).toEqual([expect.stringMatching(/^ADMIN_TOKEN: /)]);
    expectNoValues(missing, Object.values(SECRETS));

    const short = 'short-admin';
    const tooShort = configError({ ...REAL, ADMIN_TOKEN: short });
    expect(tooShort.problems).toEqual([expect.stringMatching(/^ADMIN_TOKEN: /)]);
    expectNoValues(tooShort, [short, ...Object.values(SECRETS)]);
  });

  it('other bad values name their variable', () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['PORT', '70000'],
      ['ROLE', 'admin'],
      ['LOG_LEVEL', 'verbose'],
      ['WECOM_API_BASE', 'not a url'],
      ['WORKER_CONCURRENCY', '0'],
      ['WECOM_TIMEOUT_MS', '10'],
      ['INSTANCE_ID', 'web 1/with spaces'],
    ]) {
      const error = configError({ [name]: value });
      expect(error.problems.map((p) => p.split(':')[0])).toEqual([name]);
    }
  });

  it('HOST: 0.0.0.0 with a real corp, 127.0.0.1 in demo mode, and whatever is set explicitly', () => {
    expect(loadConfig(REAL).host).toBe('0.0.0.0');
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...REAL, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    expect(loadConfig({ HOST: '  ' }).host).toBe('127.0.0.1');
  });

  describe('INSTANCE_ID', () => {
    // lease_owner is varchar(64): the id, '#', and 8 characters per run.
    const fitsLeaseOwner = (id: string) => id.length <= 40 && /^[A-Za-z0-9._:-]+$/.test(id) && `${id}#12345678`.length <= 64;

    it('defaults to hostname:PORT when that fits', () => {
      expect(loadConfig({ PORT: '8080' }, 'web-01.internal').instanceId).toBe('web-01.internal:8080');
    });

    it('with a 200-character hostname, the default is cut to fit, stable, and still tells hosts apart', () => {
      const long = `${'node-'.repeat(39)}abcde`;
      expect(long).toHaveLength(200);
      const id = loadConfig({ PORT: '65535' }, long).instanceId;
      expect(fitsLeaseOwner(id)).toBe(true);
      expect(id.startsWith('node-node-')).toBe(true);
      expect(id.endsWith(':65535')).toBe(true);
      expect(loadConfig({ PORT: '65535' }, long).instanceId).toBe(id);
      // Same first 190 characters, different host: a different id.
      const other = loadConfig({ PORT: '65535' }, `${long.slice(0, 190)}zzzzzzzzzz`).instanceId;
      expect(other).not.toBe(id);
      expect(fitsLeaseOwner(other)).toBe(true);
      // The port still tells two instances on one host apart.
      expect(loadConfig({ PORT: '3001' }, long).instanceId).not.toBe(loadConfig({ PORT: '3002' }, long).instanceId);
    });

    it('a hostname with characters leases do not allow is made to fit too', () => {
      const id = loadConfig({ PORT: '3000' }, 'my host/with spaces').instanceId;
      expect(fitsLeaseOwner(id)).toBe(true);
      expect(id).toMatch(/^my-host-with-spaces-[0-9a-f]{8}:3000$/);
    });

    it('an explicit INSTANCE_ID is used as given, and refused when longer than 40', () => {
      expect(loadConfig({ INSTANCE_ID: 'w'.repeat(40) }, 'x'.repeat(200)).instanceId).toBe('w'.repeat(40));
      expect(configError({ INSTANCE_ID: 'w'.repeat(41) }).problems).toEqual([expect.stringMatching(/^INSTANCE_ID: /)]);
    });
  });

  it('reports every bad variable at once and never the secret values given', () => {
    const env = {
      ...REAL,
      WECOM_CALLBACK_AES_KEY: 'Secret-Looking-Bad-Key',
      WECOM_AGENT_ID: 'agent-Secret-xyz',
      ADMIN_TOKEN: 'tiny-Secret',
      DATABASE_URL: 'postgres://u:Another-Secret-Pw@h/d',
      PORT: 'Port-Secret',
    };
    const error = configError(env);
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['ADMIN_TOKEN', 'DATABASE_URL', 'PORT', 'WECOM_AGENT_ID', 'WECOM_CALLBACK_AES_KEY'].sort(),
    );
    expectNoValues(error, [
      ...Object.values(SECRETS),
      'Secret-Looking-Bad-Key',
      'agent-Secret-xyz',
      'tiny-Secret',
      'Another-Secret-Pw',
      'Port-Secret',
    ]);
  });
});
