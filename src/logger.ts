import pino, { type Logger } from 'pino';

export type { Logger };

/** Header and field paths that may carry credentials; pino replaces their values. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-token"]',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["webhook-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-token"]',
  'headers["x-hubspot-signature"]',
  'headers["x-hubspot-signature-v3"]',
  'headers["webhook-signature"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'authorization',
  'token',
  'accessToken',
  'apiToken',
  'secret',
  'password',
  '*.token',
  '*.accessToken',
  '*.apiToken',
  '*.secret',
  '*.password',
  '*.authorization',
  // The config's secret fields, wherever a config (or part of one) ends up in a log line.
  'clientSecret',
  'webhookSecret',
  'webhookPassword',
  'crmToken',
  'adminToken',
  'signature',
  '*.clientSecret',
  '*.webhookSecret',
  '*.webhookPassword',
  '*.crmToken',
  '*.adminToken',
  '*.signature',
];

export interface LoggerOptions {
  level: string;
  /** Secret values to scrub from any message or field that slipped past `redact`. */
  secrets?: string[];
  destination?: pino.DestinationStream;
  pretty?: boolean;
}

/** JSON lines by default; pretty output only when a person is watching a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6);
  const scrub = (value: string) => secrets.reduce((acc, s) => acc.split(s).join('[Redacted]'), value);
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'verrijk' },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // Last line of defence: a secret inside a free-text message or error is masked too.
  if (secrets.length) base.hooks = { streamWrite: (line) => scrub(line) };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    try {
      return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      // pino-pretty is a dev dependency; production images log JSON.
    }
  }
  return pino(base);
}
