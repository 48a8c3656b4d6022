import { parseCallback } from '../src/wecom/events';

/** Dedup keys live in 191-character columns: ids at WeCom's bounds must not make two events one. */
describe('callback dedup keys', () => {
  const add = (createTime: number) =>
    `<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>` +
    `<UserID><![CDATA[${'u'.repeat(64)}]]></UserID><ExternalUserID><![CDATA[wm${'x'.repeat(126)}]]></ExternalUserID></xml>`;

  it('two adds of the same long ids at different times keep different keys, each within 191 characters', async () => {
    const first = await parseCallback(add(1700000000));
    const second = await parseCallback(add(1700000600));
    expect(first.dedupKey.length).toBeLessThanOrEqual(191);
    expect(second.dedupKey.length).toBeLessThanOrEqual(191);
    expect(first.dedupKey).not.toBe(second.dedupKey);
    // The same event again (a retry) keeps its key.
    expect((await parseCallback(add(1700000000))).dedupKey).toBe(first.dedupKey);
  });
});
