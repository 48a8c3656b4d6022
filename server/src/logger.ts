import pino, { Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Paths that can carry secrets or tokens are redacted even if someone logs a
 * whole request or config object by mistake.
 */
export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    base: { service: 'xiansuo' },
    redact: {
      paths: [
        'req.headers.authorization',
        '*.access_token',
        '*.corpsecret',
        '*.secret',
        '*.contactSecret',
        '*.agentSecret',
        '*.callbackAesKey',
        '*.callbackToken',
        '*.adminToken',
        'wecom.contactSecret',
        'wecom.agentSecret',
        'wecom.callbackAesKey',
        'wecom.callbackToken',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that discards everything: for tests and tools. */
export const silentLogger: Logger = pino({ level: 'silent' });
