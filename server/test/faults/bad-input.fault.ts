import { randomBytes } from 'node:crypto';
import type { WecomSimulator } from '../../src/wecom/simulator';
import { signature } from '../../src/wecom/crypto';
import { renderCallbackXml, WecomDriver } from '../../src/wecom/simulator';
import { driverFor, get, keepAliveAgent, pool, post, postSealed, PreparedAdd, prepareAdd, startSimulator } from '../../../scripts/bench/lib/load';
import { BenchDatabase, CORP, createDatabase, DbProbe, openProbe, ServiceProcess, sleep, startService } from '../../../scripts/bench/lib/service';
import { count, createChannel, deliverUntilAcked, outcome, settled } from './support';

const REPS = ['bi-rep1', 'bi-rep2'];
/** Per round: ~1,000 bad requests across the kinds below, plus 500 replays of valid callbacks. */
const PER_KIND = 125;
const ROUNDS = 5;
/**
 * RSS may grow at most this much over ROUNDS rounds (~7,500 requests) after a warm-up round.
 * V8 grows its heap in steps of a few MB and keeps freed pages for a while, so a healthy process
 * moves by up to ~20 MB; a leak of even 5 KB per rejected request would add ~37 MB.
 */
const RSS_GROWTH_LIMIT_MB = 32;

type Probe = { kind: string; url: string; body: string; expect: number[] };

/**
 * Bad input at volume: random bodies, truncated envelopes, forged signatures, stale timestamps,
 * another corp's callbacks, undecryptable payloads, oversized bodies, and replays of valid ones.
 * Every bad one is rejected with a 4xx, every replay is a 200 no-op, the process stays healthy
 * and its memory flat.
 */
describe('bad callbacks at volume', () => {
  let db: BenchDatabase;
  let sim: WecomSimulator;
  let service: ServiceProcess | undefined;
  let probe: DbProbe | undefined;

  beforeAll(async () => {
    db = await createDatabase('sqlite', undefined, 'xiansuo_f');
    sim = await startSimulator(REPS);
    service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: 'fault-bad-input' });
    probe = await openProbe(db.url);
  });
  afterAll(async () => {
    await service?.stop();
    await probe?.close();
    await sim?.close();
    await db?.drop();
  });

  it('rejects all of it cleanly, treats replays as no-ops, stays healthy with flat memory', async () => {
    const s = service!;
    const channel = await createChannel(s.url, REPS);
    const driver = driverFor(sim, s.url);
    // The same token and key, another corp: signature and decryption pass, the receiver check fails.
    const foreign = new WecomDriver({
      callbackUrl: `${s.url}/wecom/callback`,
      token: CORP.callbackToken,
      encodingAesKey: CORP.callbackAesKey,
      corpId: 'wwsomeoneelse00001',
    });
    const agent = keepAliveAgent(64);
    const valid: PreparedAdd[] = Array.from({ length: 50 }, (_, i) => prepareAdd(sim, driver, { userId: REPS[i % 2], state: channel.state, index: i }));
    await deliverUntilAcked(agent, valid, 50);
    await settled(probe!);

    const callbackUrl = `${s.url}/wecom/callback`;
    const fields = () => ({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: REPS[0], ExternalUserID: `wm${randomBytes(15).toString('hex')}`, WelcomeCode: randomBytes(32).toString('base64url') });
    const envelope = (encrypt: string) => renderCallbackXml({ ToUserName: CORP.corpId, AgentID: '', Encrypt: encrypt });
    const withQuery = (q: Record<string, string>) => `${callbackUrl}?${new URLSearchParams(q)}`;
    const round = (): Probe[] => {
      const out: Probe[] = [];
      for (let i = 0; i < PER_KIND; i++) {
        const good = driver.seal(fields());
        out.push({ kind: 'random body', url: withQuery({ ...good.query }), body: randomBytes(1 + (i * 37) % 4000).toString(i % 2 ? 'base64' : 'latin1'), expect: [400] });
        out.push({ kind: 'truncated envelope', url: good.url, body: good.envelope.slice(0, Math.floor(good.envelope.length * ((i % 9) + 1) / 10)), expect: [400] });
        const enc = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(good.envelope)![1];
        out.push({ kind: 'truncated ciphertext', url: good.url, body: envelope(enc.slice(0, enc.length - 1 - (i % 40))), expect: [401] });
        const forged = good.query.msg_signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
        out.push({ kind: 'forged signature', url: withQuery({ ...good.query, msg_signature: forged }), body: good.envelope, expect: [401] });
        const stale = driver.seal(fields(), { timestamp: String(Math.floor(Date.now() / 1000) - 3600) });
        out.push({ kind: 'stale timestamp', url: stale.url, body: stale.envelope, expect: [401] });
        const other = foreign.seal(fields());
        out.push({ kind: 'another corp', url: other.url, body: other.envelope, expect: [403] });
        // Correctly signed garbage: passes the signature, fails decryption.
        const junk = randomBytes(48 + (i % 16)).toString('base64');
        const ts = String(Math.floor(Date.now() / 1000));
        out.push({ kind: 'undecryptable', url: withQuery({ msg_signature: signature(CORP.callbackToken, ts, 'n0nce', junk), timestamp: ts, nonce: 'n0nce' }), body: envelope(junk), expect: [400] });
        if (i % 5 === 0) out.push({ kind: 'missing query', url: callbackUrl, body: good.envelope, expect: [400] });
        if (i % 25 === 0) out.push({ kind: 'oversized body', url: good.url, body: 'x'.repeat(100 * 1024), expect: [413] });
      }
      for (let i = 0; i < 500; i++) {
        const v = valid[i % valid.length];
        out.push({ kind: 'replay of a valid callback', url: v.sealed.url, body: v.sealed.envelope, expect: [200] });
      }
      return out;
    };
    const wrong: string[] = [];
    const play = async () => {
      const probes = round();
      const results = await pool(probes, 32, (p) => post(agent, p.url, p.body, 10_000));
      results.forEach((r, i) => {
        if (!probes[i].expect.includes(r.status)) wrong.push(`${probes[i].kind}: got ${r.status}${r.error ? ` (${r.error})` : ''}`);
      });
      return probes.length;
    };

    await play(); // warm-up: JIT, pools, V8 heap sizing
    await sleep(500);
    const rssBefore = s.memory().rssKb;
    let sent = 0;
    for (let r = 0; r < ROUNDS; r++) sent += await play();
    await sleep(1000);
    const rssAfter = s.memory().rssKb;

    expect([...new Set(wrong)]).toEqual([]);
    expect(s.alive()).toBe(true);
    expect((await get(agent, `${s.url}/healthz`)).status).toBe(200);
    const ready = await get(agent, `${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', inbox: { pending: 0 } });
    // Nothing of the bad input was stored; the replays changed nothing.
    expect(await count(probe!, `SELECT COUNT(*) AS n FROM inbox_event`)).toBe(valid.length);
    await settled(probe!);
    const o = await outcome(probe!, sim, valid);
    expect(o.leads).toBe(valid.length);
    expect(o.welcomes).toBe(valid.length);
    expect(o.duplicateWelcomeCodes).toEqual([]);
    const growthMb = (rssAfter - rssBefore) / 1024;
    console.log(`[bad input] ${sent} requests after warm-up; RSS ${(rssBefore / 1024).toFixed(0)} → ${(rssAfter / 1024).toFixed(0)} MB (${growthMb.toFixed(1)} MB)`);
    expect(growthMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    // Still takes real work afterwards.
    const after = prepareAdd(sim, driver, { userId: REPS[1], state: channel.state, index: 999 });
    expect((await postSealed(agent, after.sealed)).status).toBe(200);
  });
});
