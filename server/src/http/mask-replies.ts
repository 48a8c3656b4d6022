import type { Context, Next } from 'koa';
import { maskPhoneNumbersDeep, maskPhoneNumbersInText } from '../privacy/phone-numbers';

/**
 * The one place every reply passes through on its way out: mobile numbers are masked in every
 * JSON and text body, whatever field they hide in. Only a reply marked by `replyRevealed`
 * (a purpose-stated reveal, already written to the lead's timeline) goes out in full.
 */
export function maskReplies() {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.state.revealed === true || ctx.state.builtFile === true) return;
    const body = ctx.body;
    if (body === null || body === undefined) return;
    if (typeof body === 'string') {
      ctx.body = maskPhoneNumbersInText(body);
    } else if (Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') {
      // Binary or streamed bodies are not served today; refuse to let one pass unchecked.
      if (ctx.response.is('json', 'text', 'csv', 'html', 'xml')) {
        throw new Error('a text reply must be built as a string or JSON value so it can be masked');
      }
    } else {
      ctx.body = maskPhoneNumbersDeep(body);
    }
  };
}

/**
 * Marks the reply as one of the console's built files (HTML, scripts, styles from dist/console):
 * code, not data, never holding a customer's number, and masking would corrupt digits in it.
 */
export function replyBuiltFile(ctx: Context): void {
  ctx.state.builtFile = true;
}

/** Sends `body` unmasked: only for the logged reveal routes, after the reveal was recorded. */
export function replyRevealed(ctx: Context, body: unknown): void {
  ctx.state.revealed = true;
  ctx.body = body;
}

/**
 * Sends a protocol reply byte for byte: WeCom's URL verification must get back exactly the
 * echostr it encrypted (which may be any digits), or it refuses the callback URL.
 */
export function replyVerbatim(ctx: Context, body: string): void {
  ctx.state.revealed = true;
  ctx.body = body;
}
