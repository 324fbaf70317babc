import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One CRM address serving several accounts, each token bound to one account, as the real
 * APIs are (HubSpot and Pipedrive find the account from the token alone; there is one
 * `api.hubapi.com` for every portal). Each account is a full fake of its own (its records,
 * its rolling window, its account details or `/users/me`); this loopback server routes
 * every request to the account whose token it carries, and answers a token no account
 * knows with the CRM's 401. `byAccount` counts which account each request reached.
 */

export interface AccountTarget {
  /** The account's fake CRM server. */
  url: string;
  /** The header value that proves the token: `Bearer …` (HubSpot, generic) or the Pipedrive `x-api-token`. */
  token: string;
  /**
   * Also this account's: tokens issued to it at run time (an OAuth install's access
   * tokens, as the fake authorization server issued them and still honours).
   */
  accepts?: (token: string) => boolean;
}

export interface MultiAccountCrm {
  url: string;
  /** Requests routed per account name. */
  byAccount: Map<string, number>;
  /** Requests that carried a token no account knows. */
  unknownTokens: number;
  close(): Promise<void>;
}

const tokenOf = (req: IncomingMessage): string | undefined => {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  const pd = req.headers['x-api-token'];
  return typeof pd === 'string' ? pd : undefined;
};

export async function startMultiAccountCrm(accounts: Record<string, AccountTarget>, unauthorized: { status: number; body: unknown }): Promise<MultiAccountCrm> {
  const byToken = new Map(Object.entries(accounts).map(([name, t]) => [t.token, { name, url: t.url }]));
  const issued = (token: string) => {
    const found = Object.entries(accounts).find(([, t]) => t.accepts?.(token));
    return found ? { name: found[0], url: found[1].url } : undefined;
  };
  const byAccount = new Map<string, number>();
  let unknownTokens = 0;
  const sockets = new Set<Socket>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const token = tokenOf(req);
    const target = token === undefined ? undefined : (byToken.get(token) ?? issued(token));
    if (!target) {
      unknownTokens++;
      res.writeHead(unauthorized.status, { 'content-type': 'application/json' }).end(JSON.stringify(unauthorized.body));
      return;
    }
    byAccount.set(target.name, (byAccount.get(target.name) ?? 0) + 1);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
    try {
      const answer = await fetch(`${target.url}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
      });
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, out).end(body);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`multi-account fake: ${(err as Error).message}`);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    byAccount,
    get unknownTokens() {
      return unknownTokens;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
