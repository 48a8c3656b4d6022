import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NurtureSequence } from '../src/nurture/sequences/sequence.entity';
import { sequenceFileSchema, sequenceSchema, SequenceInput } from '../src/nurture/sequences/schema';
import { fileSequences } from '../src/nurture/sequences/file-sequences';
import { enabledSequences } from '../src/nurture/sequences/sequences';
import { DEMO_EXPO_SEQUENCE_KEY, demoExpoSequence } from '../src/nurture/demo/demo-sequence';
import { Harness, startHarness } from './support/harness';
import { checkConfigFiles } from '../src/config-files';

/** A realistic sequence a marketer would write for webinar sign-ups. */
const webinar = (): SequenceInput => ({
  key: 'webinar-follow-up',
  name: '直播报名培育',
  enabled: true,
  triggers: [{ type: 'tag_added', tag: '直播报名' }, { type: 'score_band', grade: 'B' }, { type: 'channel_capture', channel: { id: 7 } }],
  steps: [
    {
      id: 'replay',
      delay: { from: 'enrollment', hours: 2 },
      action: {
        type: 'push_content',
        text: { content: '您好，直播回放已经上线，附上课件与小程序入口。' },
        attachments: [
          { msgtype: 'image', image: { pic_url: 'https://example.com/slide.png' } },
          { msgtype: 'miniprogram', miniprogram: { title: '直播回放', pic_media_id: 'MEDIA_1', appid: 'wx1234567890abcdef', page: 'pages/replay/index' } },
        ],
      },
    },
    { id: 'tag', delay: { from: 'previous_step', minutes: 0 }, action: { type: 'add_tag', tag: '已看回放' } },
    { id: 'score', delay: { from: 'previous_step', days: 1 }, condition: { stages: ['new', 'contacted'], channels: [{ state: 'webinar01' }] }, action: { type: 'change_score', points: 5, reason: '直播培育：已推送回放' } },
    { id: 'untag', delay: { from: 'enrollment', days: 7 }, condition: { tagsAll: ['已看回放'], tagsAny: ['A类', 'B类'] }, action: { type: 'remove_tag', tag: '直播报名' } },
    { id: 'remind', delay: { from: 'previous_step', days: 1 }, action: { type: 'remind_rep', text: '直播培育结束，请回访客户。' } },
  ],
});

/** The failed parse's issues as "path: message" lines. */
function issues(input: unknown): string[] {
  const r = sequenceSchema.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
const withStep0 = (patch: Record<string, unknown>) => {
  const s = webinar() as any;
  s.steps[0] = { ...s.steps[0], ...patch };
  return s;
};
const withAction0 = (action: unknown) => withStep0({ action });

describe('sequence schema', () => {
  it('accepts the demo sequence (real and short delays) and a realistic one', () => {
    const demo = demoExpoSequence();
    expect(demo.name).toBe('展会线索培育：认知 → 考虑 → 决策');
    expect(demo.steps.filter((s) => s.action.type === 'push_content')).toHaveLength(3);
    expect(demo.steps[0].delay).toEqual({ from: 'enrollment', days: 1, hours: 0, minutes: 0 });
    const short = demoExpoSequence({ shortDelays: true });
    expect(short.steps.every((s) => s.delay.days === 0 && s.delay.hours === 0 && s.delay.minutes <= 2)).toBe(true);
    expect(sequenceSchema.parse(demo)).toEqual(demo);

    const parsed = sequenceSchema.parse(webinar());
    expect(parsed.exits.on).toContain('opt_out_keyword');
    expect(parsed.exits.optOutKeywords).toEqual(['退订', 'TD']);
    expect(parsed.steps[1].delay).toEqual({ from: 'previous_step', days: 0, hours: 0, minutes: 0 });
  });

  it('refuses bad keys, names, triggers and missing parts', () => {
    expect(issues({ ...webinar(), key: 'Bad Key' })).toEqual([expect.stringMatching(/^key: key is 2-64 lowercase/)]);
    expect(issues({ ...webinar(), name: '' })).toEqual(['name: name is required']);
    expect(issues({ ...webinar(), triggers: [] })[0]).toMatch(/^triggers: a sequence needs at least one trigger/);
    expect(issues({ ...webinar(), triggers: [{ type: 'page_view' }] })[0]).toMatch(/^triggers.0.type: trigger type is channel_capture/);
    expect(issues({ ...webinar(), triggers: [{ type: 'score_band', grade: 'D' }] })[0]).toMatch(/^triggers.0.grade: grade \(score band\) is A, B or C/);
    expect(issues({ ...webinar(), triggers: [{ type: 'channel_capture', channel: { state: 'has space' } }] })[0]).toMatch(/^triggers.0.channel/);
    expect(issues({ ...webinar(), triggers: [{ type: 'manual' }, { type: 'manual' }] })).toEqual(['triggers.1: the same trigger is listed twice']);
    expect(issues({ ...webinar(), steps: [] })[0]).toMatch(/^steps: a sequence needs at least one step/);
    expect(issues({ ...webinar(), extra: 1 })[0]).toMatch(/extra/);
    const tagOnly = { ...webinar(), steps: [{ id: 'a', delay: { from: 'enrollment' }, action: { type: 'add_tag', tag: 'x' } }] };
    expect(issues(tagOnly)).toEqual(['steps: a sequence needs at least one push_content or remind_rep step']);
  });

  it('refuses bad steps: ids, delays, conditions', () => {
    const dup = webinar() as any;
    dup.steps[1].id = 'replay';
    expect(issues(dup)).toEqual(['steps.1.id: duplicate step id "replay"']);
    expect(issues(withStep0({ delay: { from: 'now', days: 1 } }))[0]).toMatch(/^steps.0.delay.from: delay.from is enrollment or previous_step/);
    expect(issues(withStep0({ delay: { from: 'enrollment', days: -1 } }))[0]).toMatch(/^steps.0.delay.days/);
    expect(issues(withStep0({ delay: { from: 'enrollment', days: 366, hours: 48 } }))).toEqual(['steps.0.delay: a delay is at most 366 days']);
    expect(issues(withStep0({ condition: {} }))[0]).toMatch(/^steps.0.condition: a condition needs at least one of/);
    expect(issues(withStep0({ condition: { stages: ['closed'] } }))[0]).toMatch(/^steps.0.condition.stages.0: stage is one of new, contacted/);
    expect(issues(withStep0({ condition: { tagsAll: ['x'.repeat(65)] } }))).toEqual(['steps.0.condition.tagsAll.0: tag name is at most 64 characters']);
  });

  it('refuses bad actions, with WeCom limits on push content', () => {
    expect(issues(withAction0({ type: 'send_sms', text: 'x' }))[0]).toMatch(/^steps.0.action.type: action type is push_content, remind_rep/);
    expect(issues(withAction0({ type: 'push_content' }))).toEqual(['steps.0.action: push_content needs text or at least one attachment']);
    expect(issues(withAction0({ type: 'push_content', text: { content: '字'.repeat(1334) } }))).toEqual([
      'steps.0.action.text.content: text.content is at most 4000 bytes (UTF-8; a Chinese character is 3 bytes)',
    ]);
    const link = { msgtype: 'link', link: { title: '资料', url: 'https://example.com' } };
    expect(issues(withAction0({ type: 'push_content', attachments: Array(10).fill(link) }))).toEqual(['steps.0.action.attachments: at most 9 attachments']);
    expect(issues(withAction0({ type: 'push_content', attachments: [{ msgtype: 'video', video: { media_id: 'm' } }] }))[0]).toMatch(
      /^steps.0.action.attachments.0.msgtype: attachment msgtype is link, image or miniprogram/,
    );
    expect(issues(withAction0({ type: 'push_content', attachments: [{ msgtype: 'link', link: { title: '资料', url: 'javascript:alert(1)' } }] }))).toEqual([
      'steps.0.action.attachments.0.link.url: link.url must be an http(s) URL',
    ]);
    expect(issues(withAction0({ type: 'push_content', attachments: [{ msgtype: 'link', link: { title: '标'.repeat(43), url: 'https://e.com' } }] }))[0]).toMatch(
      /link.title is at most 128 bytes/,
    );
    expect(issues(withAction0({ type: 'push_content', attachments: [{ msgtype: 'image', image: {} }] }))).toEqual([
      'steps.0.action.attachments.0.image: image needs exactly one of media_id or pic_url',
    ]);
    expect(issues(withAction0({ type: 'push_content', attachments: [{ msgtype: 'miniprogram', miniprogram: { title: 't', pic_media_id: 'm', appid: 'abc', page: 'p' } }] }))[0]).toMatch(
      /miniprogram.appid is a mini-program AppID/,
    );
    expect(issues(withAction0({ type: 'remind_rep', text: '' }))).toEqual(['steps.0.action.text: text is required']);
    expect(issues(withAction0({ type: 'add_tag' }))[0]).toMatch(/^steps.0.action.tag/);
    expect(issues(withAction0({ type: 'change_score', points: 0, reason: 'x' }))).toEqual(['steps.0.action.points: points must not be 0']);
    expect(issues(withAction0({ type: 'change_score', points: 1.5, reason: 'x' }))).toEqual(['steps.0.action.points: points must be an integer']);
  });

  it('refuses bad exits: the ones every sequence honours, and opt-out without keywords', () => {
    expect(issues({ ...webinar(), exits: { on: ['customer_reply'] } })).toEqual([
      'exits.on: every sequence exits on customer_deleted_rep; keep it in the list',
      'exits.on: every sequence exits on sequence_end; keep it in the list',
    ]);
    expect(issues({ ...webinar(), exits: { on: ['customer_deleted_rep', 'sequence_end', 'opt_out_keyword'], optOutKeywords: [] } })).toEqual([
      'exits.optOutKeywords: opt_out_keyword needs at least one keyword',
    ]);
    expect(issues({ ...webinar(), exits: { on: ['bored', 'customer_deleted_rep', 'sequence_end'] } })[0]).toMatch(/^exits.on.0: exit reason is one of/);
    const onlyRequired = sequenceSchema.parse({ ...webinar(), exits: { on: ['customer_deleted_rep', 'sequence_end'] } });
    expect(onlyRequired.exits.on).toEqual(['customer_deleted_rep', 'sequence_end']);
  });
});

describe('config/nurture-sequences.json and the admin API', () => {
  let dir: string;
  let h: Harness;
  const previous = process.env.XIANSUO_CONFIG_DIR;
  const repoConfig = path.join(__dirname, '../../config');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-nurture-'));
    // The config files (not its folders, such as archive-keys/).
    for (const f of fs.readdirSync(repoConfig, { withFileTypes: true })) if (f.isFile()) fs.copyFileSync(path.join(repoConfig, f.name), path.join(dir, f.name));
    const fileSequence = { ...demoExpoSequence(), enabled: false };
    fs.writeFileSync(path.join(dir, 'nurture-sequences.json'), JSON.stringify({ sequences: [fileSequence] }));
    process.env.XIANSUO_CONFIG_DIR = dir;
    h = await startHarness({ runtime: { runScheduler: false } });
  });
  afterAll(async () => {
    await h?.close();
    if (previous === undefined) delete process.env.XIANSUO_CONFIG_DIR;
    else process.env.XIANSUO_CONFIG_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the repository file is valid, and a broken file names itself and the field, at start-up too', async () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(repoConfig, 'nurture-sequences.json'), 'utf8'));
    expect(sequenceFileSchema.parse(shipped).sequences).toEqual([]);
    expect(fileSequences().map((s) => s.key)).toEqual([DEMO_EXPO_SEQUENCE_KEY]);

    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-nurture-bad-'));
    try {
      fs.writeFileSync(path.join(bad, 'nurture-sequences.json'), JSON.stringify({ sequences: [{ ...webinar(), steps: [] }] }));
      process.env.XIANSUO_CONFIG_DIR = bad;
      expect(() => fileSequences()).toThrow(/nurture-sequences\.json are invalid: sequences\.0\.steps: a sequence needs at least one step/);
      // Read once per directory: a second directory holds the second broken file.
      fs.mkdirSync(path.join(bad, 'again'));
      fs.writeFileSync(path.join(bad, 'again', 'nurture-sequences.json'), JSON.stringify({ sequences: [webinar(), webinar()] }));
      process.env.XIANSUO_CONFIG_DIR = path.join(bad, 'again');
      expect(() => fileSequences()).toThrow(/sequences\.1\.key: duplicate sequence key "webinar-follow-up"/);
      process.env.XIANSUO_CONFIG_DIR = path.join(bad, 'missing');
      expect(fileSequences()).toEqual([]);

      // At start-up every file is checked: the service refuses to start, naming each broken one.
      fs.writeFileSync(path.join(bad, 'again', 'nurture-budget.json'), JSON.stringify({ corpRule: 'fortnight' }));
      process.env.XIANSUO_CONFIG_DIR = path.join(bad, 'again');
      expect(() => checkConfigFiles()).toThrow(/nurture-budget\.json: corpRule[\s\S]*nurture-sequences\.json are invalid/);
      await expect(startHarness({ runtime: { runScheduler: false } })).rejects.toThrow(/configuration files are invalid/);
    } finally {
      process.env.XIANSUO_CONFIG_DIR = dir;
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });

  it('lists the file sequence as the default, disabled as the file says', async () => {
    const list = await h.admin('GET', '/api/admin/nurture/sequences');
    expect(list.status).toBe(200);
    expect(list.body.sequences).toEqual([
      expect.objectContaining({ key: DEMO_EXPO_SEQUENCE_KEY, name: '展会线索培育：认知 → 考虑 → 决策', enabled: false, source: 'file', updatedAt: null }),
    ]);
    expect(list.body.sequences[0].steps[0]).toEqual({ id: 'awareness', action: 'push_content', delayFrom: 'enrollment', delayMinutes: 24 * 60 });
    const one = await h.admin('GET', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}`);
    expect(one.status).toBe(200);
    expect(one.body.sequence).toEqual(JSON.parse(JSON.stringify({ ...demoExpoSequence(), enabled: false })));
    expect(await enabledSequences(h.runtime.ctx.dataSource)).toEqual([]);
  });

  it('creates, reads, replaces, disables and enables a sequence stored in the database', async () => {
    const created = await h.admin('POST', '/api/admin/nurture/sequences', webinar());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'webinar-follow-up', source: 'database', sequence: { name: '直播报名培育', enabled: true } });
    expect(typeof created.body.updatedAt).toBe('string');

    const again = await h.admin('POST', '/api/admin/nurture/sequences', webinar());
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('sequence_exists');
    const overFile = await h.admin('POST', '/api/admin/nurture/sequences', { ...webinar(), key: DEMO_EXPO_SEQUENCE_KEY });
    expect(overFile.status).toBe(409);

    const read = await h.admin('GET', '/api/admin/nurture/sequences/webinar-follow-up');
    expect(read.status).toBe(200);
    expect(read.body.sequence).toEqual(JSON.parse(JSON.stringify(sequenceSchema.parse(webinar()))));

    const { key: _key, ...body } = webinar();
    const replaced = await h.admin('PUT', '/api/admin/nurture/sequences/webinar-follow-up', { ...body, name: '直播报名培育（第二版）' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ source: 'database', sequence: { name: '直播报名培育（第二版）' } });

    const disabled = await h.admin('POST', '/api/admin/nurture/sequences/webinar-follow-up/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body.sequence.enabled).toBe(false);
    expect((await enabledSequences(h.runtime.ctx.dataSource)).map((s) => s.key)).toEqual([]);
    const row = await h.runtime.ctx.dataSource.getRepository(NurtureSequence).findOneByOrFail({ key: 'webinar-follow-up' });
    expect(row.enabled).toBe(false);

    expect((await h.admin('POST', '/api/admin/nurture/sequences/webinar-follow-up/enable')).body.sequence.enabled).toBe(true);
    expect((await enabledSequences(h.runtime.ctx.dataSource)).map((s) => s.key)).toEqual(['webinar-follow-up']);
    const list = await h.admin('GET', '/api/admin/nurture/sequences');
    expect(list.body.sequences.map((s: any) => [s.key, s.source, s.enabled])).toEqual([
      [DEMO_EXPO_SEQUENCE_KEY, 'file', false],
      ['webinar-follow-up', 'database', true],
    ]);
  });

  it('enabling a file sequence stores an override; PUT overrides its definition', async () => {
    const enabled = await h.admin('POST', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ source: 'override', sequence: { enabled: true, steps: expect.any(Array) } });
    expect(enabled.body.sequence.steps).toHaveLength(5);
    const short = { ...demoExpoSequence({ shortDelays: true }) };
    const put = await h.admin('PUT', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}`, short);
    expect(put.status).toBe(200);
    const read = await h.admin('GET', `/api/admin/nurture/sequences/${DEMO_EXPO_SEQUENCE_KEY}`);
    expect(read.body.source).toBe('override');
    expect(read.body.sequence.steps[0].delay).toEqual({ from: 'enrollment', days: 0, hours: 0, minutes: 1 });
    expect((await enabledSequences(h.runtime.ctx.dataSource)).map((s) => s.key).sort()).toEqual([DEMO_EXPO_SEQUENCE_KEY, 'webinar-follow-up']);
  });

  it('bad input is a 400 with field paths, unknown keys 404, never 5xx', async () => {
    const bad = await h.admin('POST', '/api/admin/nurture/sequences', withAction0({ type: 'push_content', attachments: [{ msgtype: 'link', link: { title: '', url: 'ftp://x' } }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('validation_failed');
    expect(bad.body.fields).toEqual(
      expect.arrayContaining([
        { path: 'steps.0.action.attachments.0.link.title', message: 'link.title is required' },
        { path: 'steps.0.action.attachments.0.link.url', message: 'link.url must be an http(s) URL' },
      ]),
    );
    const renamed = await h.admin('PUT', '/api/admin/nurture/sequences/webinar-follow-up', { ...webinar(), key: 'other-key' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.fields).toEqual([{ path: 'key', message: 'key must be "webinar-follow-up", as in the path (a sequence is not renamed)' }]);

    for (const [method, url, body] of [
      ['POST', '/api/admin/nurture/sequences', []],
      ['POST', '/api/admin/nurture/sequences', 'text'],
      ['POST', '/api/admin/nurture/sequences', null],
      ['POST', '/api/admin/nurture/sequences', { key: 'x', name: 1, steps: 'no', triggers: {} }],
      ['PUT', '/api/admin/nurture/sequences/webinar-follow-up', []],
      ['PUT', '/api/admin/nurture/sequences/webinar-follow-up', { steps: [{}] }],
      ['PUT', '/api/admin/nurture/sequences/BAD%20KEY', webinar()],
    ] as const) {
      const r = await h.admin(method, url, body);
      expect(r.status).toBe(400);
      // A body that is not a JSON object is refused by the JSON parser (invalid_json); the rest name their fields.
      if (r.body.error !== 'invalid_json') {
        expect(r.body.error).toBe('validation_failed');
        expect(r.body.fields.length).toBeGreaterThan(0);
      }
    }
    expect((await h.admin('GET', '/api/admin/nurture/sequences/no-such-one')).status).toBe(404);
    expect((await h.admin('GET', '/api/admin/nurture/sequences/%E4%B8%AD')).status).toBe(404);
    expect((await h.admin('PUT', '/api/admin/nurture/sequences/no-such-one', webinar())).status).toBe(400);
    const { key: _k, ...noKey } = webinar();
    expect((await h.admin('PUT', '/api/admin/nurture/sequences/no-such-one', noKey)).status).toBe(404);
    expect((await h.admin('POST', '/api/admin/nurture/sequences/no-such-one/disable')).status).toBe(404);

    const anonymous = await fetch(`${h.url}/api/admin/nurture/sequences`);
    expect(anonymous.status).toBe(401);
  });
});
