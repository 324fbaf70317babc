import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { AppRouter } from '../context.js';
import { Layout } from '../status-page/layout.js';

/**
 * /docs: the OpenAPI document rendered on the server as plain HTML. It works
 * offline (no CDN, no scripts), which matters on a host without internet.
 */

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: string;
  path: string;
  op: Json;
}

export function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

function resolve(doc: Json, schema: Json | undefined): { name?: string; schema: Json } {
  if (schema?.$ref && typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() as string;
    return { name, schema: doc.components?.schemas?.[name] ?? {} };
  }
  return { schema: schema ?? {} };
}

function typeLabel(s: Json): string {
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  const fmt = s.format ? ` (${s.format})` : '';
  if (t) return `${t}${fmt}`;
  if (s.anyOf || s.oneOf) return 'one of';
  return 'any';
}

/** A schema as a nested list of fields; `seen` stops recursive components from looping. */
function Schema({ doc, schema, depth = 0 }: { doc: Json; schema: Json | undefined; depth?: number }) {
  const { name, schema: s } = resolve(doc, schema);
  if (depth > 5) return <code>{name ?? typeLabel(s)}</code>;
  const label = name ? <b>{name}</b> : null;
  if (s.type === 'object' || s.properties) {
    const required = new Set<string>(s.required ?? []);
    const props = Object.entries<Json>(s.properties ?? {});
    return (
      <span>
        {label} <code>object</code>
        {props.length ? (
          <ul>
            {props.map(([key, sub]) => (
              <li>
                <code>{key}</code>
                {required.has(key) ? '' : '?'}: <Schema doc={doc} schema={sub} depth={depth + 1} />
                {sub.description ? <span class="muted"> – {sub.description}</span> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </span>
    );
  }
  if (s.type === 'array') {
    return (
      <span>
        {label} <code>array of</code> <Schema doc={doc} schema={s.items} depth={depth + 1} />
      </span>
    );
  }
  const alternatives: Json[] | undefined = s.anyOf ?? s.oneOf;
  if (alternatives) {
    return (
      <span>
        {label}{' '}
        {alternatives.map((alt, i) => (
          <>
            {i > 0 ? ' | ' : ''}
            <Schema doc={doc} schema={alt} depth={depth + 1} />
          </>
        ))}
      </span>
    );
  }
  return (
    <span>
      {label} <code>{typeLabel(s)}</code>
    </span>
  );
}

function OperationView({ doc, o }: { doc: Json; o: Operation }) {
  const params: Json[] = o.op.parameters ?? [];
  const body = o.op.requestBody?.content as Json | undefined;
  return (
    <section class="wide" id={`${o.method}-${o.path}`}>
      <h3>
        <span class="badge">{o.method.toUpperCase()}</span> <code>{o.path}</code>
        {o.op.security?.length ? <span class="badge warn"> admin</span> : null}
      </h3>
      <p>{o.op.summary ?? ''}</p>
      {o.op.description ? <p class="muted small">{o.op.description}</p> : null}
      {params.length ? (
        <table>
          <thead>
            <tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>
          </thead>
          <tbody>
            {params.map((p) => (
              <tr>
                <td><code>{p.name}</code>{p.required ? ' (required)' : ''}</td>
                <td>{p.in}</td>
                <td><Schema doc={doc} schema={p.schema} /></td>
                <td class="small">{p.description ?? p.schema?.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {body
        ? Object.entries<Json>(body).map(([type, media]) => (
            <p class="small">
              <b>Request body</b> <code>{type}</code>: <Schema doc={doc} schema={media.schema} />
            </p>
          ))
        : null}
      <table>
        <thead>
          <tr><th>status</th><th>response</th></tr>
        </thead>
        <tbody>
          {Object.entries<Json>(o.op.responses ?? {}).map(([status, r]) => (
            <tr>
              <td><code>{status}</code></td>
              <td class="small">
                {r.description ?? ''}
                {Object.entries<Json>(r.content ?? {}).map(([type, media]) => (
                  <div>
                    <code>{type}</code>: <Schema doc={doc} schema={media.schema} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['ops'],
  summary: 'API documentation (HTML, works offline), rendered from /openapi.json',
  responses: { 200: { description: 'The docs page' } },
});

export function registerDocsRoute(app: AppRouter): void {
  let doc: Json | undefined;
  app.openapi(docsRoute, (c) => {
    // Built on first use, when every route has been registered.
    doc ??= app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Verrijk API', version: '0.1.0' } }) as Json;
    const nonce = randomBytes(16).toString('base64');
    c.header('Content-Security-Policy', `default-src 'none'; style-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'`);
    c.header('X-Content-Type-Options', 'nosniff');
    const ops = operationsOf(doc);
    return c.html(
      <Layout title="Verrijk · API docs" nonce={nonce}>
        <header>
          <h1>Verrijk API</h1>
          <span class="badge">{ops.length} operations</span>
          <span class="spacer" />
          <a class="badge" href="/openapi.json">openapi.json</a>
        </header>
        <main>
          <section class="wide">
            <p>
              Admin operations take <code>Authorization: Bearer $ADMIN_TOKEN</code>. Errors are <code>application/problem+json</code> with a{' '}
              <code>requestId</code>. The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.
            </p>
            <ul>
              {ops.map((o) => (
                <li>
                  <a href={`#${o.method}-${o.path}`}>
                    {o.method.toUpperCase()} {o.path}
                  </a>{' '}
                  <span class="muted small">{o.op.summary ?? ''}</span>
                </li>
              ))}
            </ul>
          </section>
          {ops.map((o) => (
            <OperationView doc={doc!} o={o} />
          ))}
        </main>
      </Layout>,
      200,
    );
  });
}
