/** WeCom answered with errcode ≠ 0. */
export class WecomApiError extends Error {
  constructor(
    public readonly path: string,
    public readonly errcode: number,
    public readonly errmsg: string,
  ) {
    super(`WeCom ${path} failed: errcode ${errcode} (${errmsg})`);
    this.name = 'WecomApiError';
  }

  /** Worth trying again later: busy, throttled, or token trouble that survived one refresh. */
  get retryable(): boolean {
    return RETRYABLE.has(this.errcode);
  }
}

/** WeCom could not be reached, timed out or answered something that is not WeCom JSON. */
export class WecomNetworkError extends Error {
  constructor(
    public readonly path: string,
    message: string,
  ) {
    super(`WeCom ${path} unreachable: ${message}`);
    this.name = 'WecomNetworkError';
  }
  readonly retryable = true;
}

/**
 * The call never left: it waited for this instance's share of WeCom's frequency budget
 * (rate-limiter.ts) until its deadline. WeCom did not see it; trying later is safe.
 */
export class WecomPacingTimeout extends Error {
  constructor(
    public readonly path: string,
    reason: string,
  ) {
    super(`WeCom ${path} not sent: ${reason}`);
    this.name = 'WecomPacingTimeout';
  }
  readonly retryable = true;
}

export const ERRCODE = {
  SYSTEM_BUSY: -1,
  INVALID_TOKEN: 40014,
  TOKEN_EXPIRED: 42001,
  FREQUENCY_LIMIT: 45009,
  CONCURRENCY_LIMIT: 45033,
  WELCOME_CODE_INVALID: 41050,
  WELCOME_CODE_USED: 41051,
} as const;

const RETRYABLE = new Set<number>([ERRCODE.SYSTEM_BUSY, ERRCODE.FREQUENCY_LIMIT, ERRCODE.CONCURRENCY_LIMIT, ERRCODE.INVALID_TOKEN, ERRCODE.TOKEN_EXPIRED]);

export function isRetryable(error: unknown): boolean {
  return (error instanceof WecomApiError || error instanceof WecomNetworkError || error instanceof WecomPacingTimeout) && error.retryable;
}
