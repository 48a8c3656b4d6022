import { ApiError, Errcode } from './errors';
import { newAccessToken } from './ids';

interface IssuedToken {
  secret: string;
  expiresAt: number;
}

/**
 * access_token issuing and checking (wecom-reference.md §3). Like WeCom, every gettoken call
 * issues a fresh token while earlier unexpired ones stay valid; tokens carry no scope here, so any
 * configured secret's token may call any API.
 */
export class TokenIssuer {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly corpId: string,
    private readonly secrets: readonly string[],
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  issue(corpid: string | undefined, corpsecret: string | undefined): { access_token: string; expires_in: number } {
    this.checkSecret(corpid, corpsecret);
    this.prune();
    const access_token = newAccessToken();
    this.tokens.set(access_token, { secret: corpsecret, expiresAt: this.now() + this.ttlSeconds * 1000 });
    return { access_token, expires_in: this.ttlSeconds };
  }

  /** Throws what gettoken answers for a wrong corpid or secret; the Finance SDK endpoints check Init's pair the same way. */
  checkSecret(corpid: unknown, corpsecret: unknown): asserts corpsecret is string {
    if (!corpid) throw new ApiError(Errcode.corpIdMissing, 'corpid missing');
    if (corpid !== this.corpId) throw new ApiError(Errcode.invalidCorpId, 'invalid corpid');
    if (!corpsecret) throw new ApiError(Errcode.secretMissing, 'corpsecret missing');
    if (typeof corpsecret !== 'string' || !this.secrets.includes(corpsecret)) throw new ApiError(Errcode.invalidSecret, 'invalid credential: corpsecret');
  }

  /** Throws the errcode WeCom would answer for a missing, unknown or expired token. */
  check(accessToken: string | undefined): void {
    if (!accessToken) throw new ApiError(Errcode.tokenMissing, 'access_token missing');
    const token = this.tokens.get(accessToken);
    if (!token) throw new ApiError(Errcode.invalidToken, 'invalid access_token');
    if (this.now() >= token.expiresAt) throw new ApiError(Errcode.tokenExpired, 'access_token expired');
  }

  /** Every issued token answers 42001 from now on. */
  expireAll(): void {
    const now = this.now();
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Every issued token answers 40014 from now on (as after a secret reset). */
  revokeAll(): void {
    this.tokens.clear();
  }

  /**
   * Forgets tokens that expired more than a TTL ago, so a long run does not accumulate them;
   * recently expired ones are kept so they still answer 42001 rather than 40014.
   */
  private prune(): void {
    const horizon = this.now() - this.ttlSeconds * 1000;
    for (const [value, token] of this.tokens) if (token.expiresAt < horizon) this.tokens.delete(value);
  }
}
