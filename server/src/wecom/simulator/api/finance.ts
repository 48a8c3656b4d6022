import { ApiError } from '../errors';
import type { SimulatorState } from '../state';

/**
 * Simulator-only endpoints standing in for the network side of WeCom's native Finance SDK. The
 * real SDK talks to WeCom over a private protocol, so there is no WeCom API to imitate: these
 * paths live under /simulator/finance/, never /cgi-bin/, and only the simulator adapter
 * (server/src/archive/sdk/simulator-sdk.ts) calls them. Over HTTP rather than in-process so that
 * an archive in another process (a crash/restart test, a benchmark) pulls from the same store.
 *
 * Every call is a POST whose JSON carries `corpid` and `secret` (the SDK's Init arguments, the
 * 会话存档 secret); errors are answered like the SDK's codes (10000 parameters, 10005 sdkfileid),
 * or 40001/40013 for bad credentials.
 */

export const FINANCE_PREFIX = '/simulator/finance/';
export const MAX_PULL_LIMIT = 1000;

/** SDK error codes the endpoints answer with (wecom-reference.md §7). */
const SDK = { params: 10000, fileId: 10005 } as const;

const sdkError = (code: number, message: string) => new ApiError(code, message);

function intField(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw sdkError(SDK.params, `${name} must be an integer`);
  return value;
}

export type FinanceHandler = (body: Record<string, unknown>, state: SimulatorState) => Record<string, unknown>;

export const financeRoutes: Record<string, FinanceHandler> = {
  /** GetChatData: `{seq, limit}` → `chatdata[]`, the messages after `seq`, oldest first, `limit` ≤ 1000. */
  [`${FINANCE_PREFIX}chatdata`]: (body, state) => {
    const seq = intField(body, 'seq');
    const limit = intField(body, 'limit');
    if (seq < 0) throw sdkError(SDK.params, 'seq must not be negative');
    if (limit < 1 || limit > MAX_PULL_LIMIT) throw sdkError(SDK.params, `limit must be 1-${MAX_PULL_LIMIT}`);
    return { chatdata: state.archive.after(seq, limit) };
  },

  /**
   * GetMediaData: `{sdkfileid, indexbuf}` → `{data (base64), outindexbuf, is_finish}`, 512 KB at
   * most per chunk. `indexbuf` is '' for the first chunk, then the previous `outindexbuf`, which
   * is opaque to callers (here `Range:bytes=<offset>-`).
   */
  [`${FINANCE_PREFIX}mediadata`]: (body, state) => {
    const sdkfileid = body.sdkfileid;
    if (typeof sdkfileid !== 'string' || sdkfileid === '') throw sdkError(SDK.params, 'sdkfileid is required');
    const indexbuf = body.indexbuf ?? '';
    if (typeof indexbuf !== 'string') throw sdkError(SDK.params, 'indexbuf must be a string');
    let offset = 0;
    if (indexbuf !== '') {
      const match = /^Range:bytes=(\d{1,12})-$/.exec(indexbuf);
      if (!match) throw sdkError(SDK.params, 'indexbuf is not an outindexbuf of this file');
      offset = Number(match[1]);
    }
    const size = state.archive.media.get(sdkfileid)?.length;
    if (size === undefined) throw sdkError(SDK.fileId, 'unknown sdkfileid');
    if (offset > 0 && offset >= size) throw sdkError(SDK.params, 'indexbuf is past the end of the file (is_finish was already true)');
    const chunk = state.archive.mediaChunk(sdkfileid, offset)!;
    return { data: chunk.data.toString('base64'), outindexbuf: `Range:bytes=${chunk.next}-`, is_finish: chunk.isFinish };
  },
};
