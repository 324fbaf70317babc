import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { EnvFileError, parseEnvFile, withEnvFile } from '../../src/env-file.js';

/** `.env` is read at start (issue 25.3): the file's variables under the process environment. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'verrijk-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const f = path.join(dir, `${Math.random().toString(36).slice(2)}.env`);
  writeFileSync(f, text);
  return f;
}

describe('parseEnvFile', () => {
  it('reads the common dotenv forms', () => {
    const vars = parseEnvFile(
      [
        '# a comment',
        '',
        'PORT=3001',
        'export LOG_LEVEL=debug',
        '  ADMIN_TOKEN = spaces-around-are-trimmed  ',
        'PUBLIC_URL=https://verrijk.example.nl # the URL HubSpot signs',
        "GENERIC_CRM_TOKEN='lit#eral \\n kept'",
        'PIPEDRIVE_WEBHOOK_PASSWORD="a \\"quoted\\" #value\\n" # comment',
        'CBS_V4_TABLES=',
        'HASH=abc#def',
      ].join('\r\n'),
    );
    expect(vars).toEqual({
      PORT: '3001',
      LOG_LEVEL: 'debug',
      ADMIN_TOKEN: 'spaces-around-are-trimmed',
      PUBLIC_URL: 'https://verrijk.example.nl',
      GENERIC_CRM_TOKEN: 'lit#eral \\n kept',
      PIPEDRIVE_WEBHOOK_PASSWORD: 'a "quoted" #value\n',
      CBS_V4_TABLES: '',
      HASH: 'abc#def',
    });
  });

  it('names bad lines by number and never echoes their content (it may be a secret)', () => {
    let err: unknown;
    try {
      parseEnvFile('PORT=1\nthis-is-a-secret-without-a-name\nX="unterminated secret\nY=2', 'my.env');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvFileError);
    expect((err as Error).message).toBe('my.env: cannot read line 2, 3 (expected NAME=value)');
  });
});

describe('withEnvFile', () => {
  it('adds the file’s variables and lets the process environment win, even with an empty value', () => {
    const f = file('PORT=4000\nADMIN_TOKEN=from-the-file-0123456789\nLOG_LEVEL=debug\n');
    const env = withEnvFile({ PORT: '5000', LOG_LEVEL: '', PATH: '/bin' }, f);
    expect(env).toEqual({ PORT: '5000', ADMIN_TOKEN: 'from-the-file-0123456789', LOG_LEVEL: '', PATH: '/bin' });
    const config = loadConfig(env);
    expect(config.port).toBe(5000);
    expect(config.adminToken).toBe('from-the-file-0123456789');
    expect(config.logLevel).toBe('info');
  });

  it('is the process environment alone when there is no file', () => {
    const env = { PORT: '5000' };
    expect(withEnvFile(env, path.join(dir, 'absent.env'))).toEqual({ PORT: '5000' });
  });

  it('reads a copy of .env.example into a valid configuration', () => {
    const env = withEnvFile({}, file(readFileSync(path.join(root, '.env.example'), 'utf8')));
    expect(env.PORT, JSON.stringify(env)).toBe('3000');
    expect(env.CBS_REFRESH_CRON, JSON.stringify(env)).toBe('0 5 * * *');
    expect(() => loadConfig(env)).not.toThrow();
  });
});
