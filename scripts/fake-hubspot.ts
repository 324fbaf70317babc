/**
 * `npm run fake:hubspot`: a fake HubSpot on your machine, to try the whole flow
 * without a HubSpot account. It seeds a few Dutch companies, prints the
 * environment to start Verrijk against it, and logs every request it gets.
 *
 *   npm run fake:hubspot                       # serve on :4010
 *   npm run fake:hubspot -- --port 4020
 *   npm run fake:hubspot -- --send 1001        # send a signed company.creation webhook to Verrijk
 *       [--to http://localhost:3000] [--port 4010]  (--port: the fake whose card to show afterwards)
 */
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hubspotSignedUri } from '../src/crm/hubspot/webhook.js';
import { CARD_FIELDS } from '../src/enrich/types.js';
import { startFakeHubspot } from '../test/support/fakes/hubspot-server.js';

const TOKEN = 'pat-eu1-local-fake-token-verrijk';
const CLIENT_SECRET = 'local-fake-client-secret-verrijk';
const PORTAL = '24681357';

const USAGE = `usage: npm run fake:hubspot [-- --port 4010]
       npm run fake:hubspot -- --send COMPANY_ID [--to http://localhost:3000] [--port 4010]
  Serves a fake HubSpot with companies 1001–1005, or sends one signed company.creation webhook to Verrijk.`;

/** The options, or an exit: --help prints the usage (0); an unknown option or a bad port says so (2). */
function options(argv: string[]): { port: number; send?: string; to: string } {
  let values: { port?: string; send?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { port: { type: 'string' }, send: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port: not a port number: ${values.port}\n${USAGE}`);
    process.exit(2);
  }
  return { port, send: values.send, to: values.to ?? 'http://localhost:3000' };
}

const { port, send: sendId, to } = options(process.argv.slice(2));

const COMPANIES: Array<[string, Record<string, string>]> = [
  ['1001', { name: 'Bakkerij Van der Meulen B.V.', domain: 'bakkerijvandermeulen.nl', industry: 'FOOD_PRODUCTION', numberofemployees: '14', sbi_code: '10.71' }],
  ['1002', { name: 'Noordlicht Software B.V.', domain: 'noordlichtsoftware.nl', industry: 'COMPUTER_SOFTWARE', numberofemployees: '38', sbi_code: '62.01' }],
  ['1003', { name: 'Bouwbedrijf Jansen & Zn.', domain: 'bouwjansen.nl', industry: 'CONSTRUCTION', numberofemployees: '120', sbi_code: '41.20' }],
  ['1004', { name: 'Eetcafé De Gouden Leeuw', domain: 'degoudenleeuw.nl', industry: 'RESTAURANTS', numberofemployees: '9', sbi_code: '56.10' }],
  ['1005', { name: 'Accountantskantoor De Boer', domain: 'deboer-accountants.nl', industry: 'ACCOUNTING', numberofemployees: '22' }],
];

/** A company.creation webhook signed with HubSpot's v3 scheme (method + URI + body + timestamp, HMAC-SHA256, base64). */
async function send(objectId: string, to: string) {
  const body = JSON.stringify([
    { eventId: Date.now(), subscriptionId: 1, portalId: Number(PORTAL), appId: 1, occurredAt: Date.now(), subscriptionType: 'company.creation', attemptNumber: 0, objectId: Number(objectId), changeSource: 'CRM_UI' },
  ]);
  const timestamp = String(Date.now());
  const uri = hubspotSignedUri(to.replace(/\/+$/, ''), '/webhooks/hubspot');
  const signature = createHmac('sha256', CLIENT_SECRET).update(`POST${uri}${body}${timestamp}`).digest('base64');
  const res = await fetch(`${to.replace(/\/+$/, '')}/webhooks/hubspot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    body,
  });
  console.log(`POST ${to}/webhooks/hubspot → ${res.status} ${await res.text()}`);
  if (!res.ok) process.exit(1);
  // Show the card as the fake holds it once Verrijk has written it (it answers the webhook first).
  // Every card field Verrijk writes (the default HubSpot mapping names them as the card does), beside the name.
  const url = `http://127.0.0.1:${port}/crm/v3/objects/companies/${objectId}?properties=${['name', ...CARD_FIELDS].join(',')}`;
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const card = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } }).catch(() => undefined);
    const properties = card?.ok ? ((await card.json()) as { properties: Record<string, string | null> }).properties : undefined;
    if (properties?.cbs_sbi_code) {
      console.log(JSON.stringify(properties, null, 2));
      return;
    }
  }
  console.error(`no card written on company ${objectId} after 30 s: see the logs of Verrijk and of this fake`);
  process.exit(1);
}

if (sendId) {
  await send(sendId, to);
} else {
  const fake = await startFakeHubspot({ token: TOKEN, port, limit: 190, windowMs: 10_000, verbose: true, portalId: Number(PORTAL) });
  for (const [id, props] of COMPANIES) fake.seed('company', id, props);
  console.log(`Fake HubSpot listening on ${fake.url} (portal ${PORTAL}), companies ${COMPANIES.map(([id]) => id).join(', ')}.

Start Verrijk against it (another terminal):

  HUBSPOT_BASE_URL=${fake.url} HUBSPOT_ACCESS_TOKEN=${TOKEN} HUBSPOT_CLIENT_SECRET=${CLIENT_SECRET} \\
  PUBLIC_URL=http://localhost:3000 DATABASE_URL=memory:// npm start

Then send a signed company.creation webhook and see the card (a third terminal):

  npm run fake:hubspot -- --send 1001 --to http://localhost:3000 --port ${port}

Requests the fake receives are logged below.`);
  const stop = async () => {
    await fake.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
