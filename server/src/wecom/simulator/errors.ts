/**
 * Errors the simulated API answers with. Handlers throw `ApiError`; the server turns it into the
 * `{ errcode, errmsg }` body with HTTP 200, exactly as WeCom reports failures.
 */
export class ApiError extends Error {
  constructor(
    public readonly errcode: number,
    public readonly errmsg: string,
  ) {
    super(`${errcode} ${errmsg}`);
    this.name = 'ApiError';
  }
}

/**
 * Errcodes the simulator uses. Everything here is from wecom-reference.md except the ones
 * marked "simulator choice" (plausible WeCom codes whose exact use the reference does not pin down).
 */
export const Errcode = {
  systemBusy: -1,
  invalidSecret: 40001,
  /** simulator choice: grant_type other than authorization_code. */
  invalidGrantType: 40002,
  invalidUserId: 40003,
  invalidCorpId: 40013,
  invalidToken: 40014,
  invalidCode: 40029,
  /** simulator choice: unknown chat_id. */
  invalidChatId: 40050,
  /** simulator choice: agentid does not match the configured app. */
  invalidAgentId: 40056,
  /** simulator choice: generic "invalid parameter" for malformed/missing fields and unknown ids (config_id, msgid). */
  invalidParameter: 40058,
  /** simulator choice: unknown tag or tag-group id. */
  invalidTagId: 40068,
  /** simulator choice: tag (or group) name already exists. */
  tagNameExists: 40071,
  invalidExternalUserId: 40096,
  /** department/list, user/list: the department does not exist. */
  invalidDepartmentId: 60123,
  /** simulator choice (a department added under a parent that does not exist). */
  invalidParentDepartmentId: 60124,
  tagLimitExceeded: 40126,
  /** simulator choice: jscode2session code already used. */
  codeUsed: 40163,
  tokenMissing: 41001,
  /** simulator choice: corpid missing on gettoken. */
  corpIdMissing: 41002,
  secretMissing: 41004,
  tooManyUsers: 41041,
  noSendableCustomer: 41048,
  welcomeCodeInvalid: 41050,
  welcomeCodeUsed: 41051,
  tokenExpired: 42001,
  /** simulator choice: a POST-only API called with GET. */
  postRequired: 43002,
  /** simulator choice: a GET-only API called with POST. */
  getRequired: 43001,
  rateLimited: 45009,
  /**
   * simulator choice: remind_groupmsg_send past 3 reminders per message in 24 h. WeCom's page
   * (path/97610) states the limit but not the code; 45009 ("API call frequency exceeded") is
   * the plausible one.
   */
  remindLimitExceeded: 45009,
  tooManyConcurrent: 45033,
  /** simulator choice: request body is not valid JSON. */
  badJson: 47001,
  /** simulator choice: path the simulator does not implement. */
  apiForbidden: 48001,
  /** simulator choice: message/send where every recipient is invalid. */
  allRecipientsInvalid: 81013,
  invalidState: 84025,
  noRelation: 84061,
} as const;

export function invalidParameter(what: string): ApiError {
  return new ApiError(Errcode.invalidParameter, `invalid parameter: ${what}`);
}
