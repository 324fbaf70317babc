import type { Child } from 'hono/jsx';
import type { WriteMode } from '../../ops/status.js';
import { type Ui, fill } from './format.js';

/**
 * The page shell shared by every status page: no scripts, no external assets;
 * the stylesheet is inline and allowed by the CSP nonce. Words never break
 * inside: text wraps between words only (`overflow-wrap: break-word` breaks a
 * word alone only when it is wider than its whole box), ids and codes never wrap.
 */

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f3f5f9;overflow-wrap:break-word;hyphens:manual}
header{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;padding:12px 24px;background:#183153;color:#fff}
header h1{font-size:18px;margin:0 8px 0 0;letter-spacing:.02em}
header h1 a{color:#fff;text-decoration:none}
header .spacer{flex:1}
header form{margin:0}
main{padding:18px 24px;max-width:1280px;margin:0 auto;display:flex;flex-direction:column;gap:16px}
.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;align-items:start}
section{background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:14px 16px;min-width:0}
h2{font-size:15px;margin:0 0 10px;color:#183153}
h3{font-size:14px;margin:14px 0 6px;color:#183153}
h2.lead{font-size:20px;margin:0 0 4px}
p{margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 10px 5px 0;border-bottom:1px solid #eef1f5;vertical-align:top}
th{font-weight:600;color:#5a6478;font-size:12px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap,.code{white-space:nowrap}
.code{font-variant-numeric:tabular-nums}
.muted{color:#5f6878}
.small{font-size:12px}
a{color:#1a4f8f}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e6ebf3;color:#183153}
.badge.ok{background:#dcf3e4;color:#146c2e}
.badge.warn{background:#fff1cc;color:#7a5300}
.badge.bad{background:#fde0e0;color:#9b1c1c}
header .badge{background:#2b4a75;color:#fff;font-size:13px;white-space:normal}
header .badge.warn{background:#f0b429;color:#1d2433}
.counts{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}
.count{flex:1 0 auto;border:1px solid #eef1f5;border-radius:6px;padding:4px 8px}
.count span{white-space:nowrap}
.count b{display:block;font-size:18px}
.count b.error{color:#9b1c1c}
dl.facts{display:grid;grid-template-columns:minmax(110px,max-content) minmax(0,1fr);gap:4px 14px;margin:0}
dl.facts dt{color:#5f6878}
dl.facts dd{margin:0;min-width:0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.figure{border:1px solid #dde3ec;border-radius:8px;padding:10px 12px;background:#fbfcfe;min-width:0}
.figure .value{font-size:18px;font-weight:600}
.figure .trend img{display:block;max-width:100%;height:auto;margin-top:4px}
.figure dl.facts{margin-top:6px;font-size:12px;grid-template-columns:minmax(90px,max-content) minmax(0,1fr)}
.reason{color:#7a5300}
table.leads{font-size:13px;table-layout:fixed}
table.leads th:nth-child(1){width:27%}
table.leads th:nth-child(2){width:29%}
table.leads th:nth-child(3){width:17%}
table.leads th:nth-child(4){width:10%}
table.leads th:nth-child(5){width:10%}
table.leads th:nth-child(6){width:7%}
table.leads td .badge{white-space:normal}
form.search{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:10px}
form.search label{flex-basis:100%;color:#5f6878;font-size:12px}
form.search input{flex:1;min-width:220px;padding:6px 8px;font:inherit;border:1px solid #9aa7bd;border-radius:5px}
.pager{display:flex;gap:14px;align-items:center;margin-top:10px;flex-wrap:wrap}
button{white-space:nowrap;font:inherit;font-size:12px;padding:3px 10px;border-radius:5px;border:1px solid #9aa7bd;background:#fff;cursor:pointer}
button.primary{background:#183153;color:#fff;border-color:#183153;padding:6px 14px;font-size:14px}
.actions{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-top:8px}
details{margin-top:4px}
summary{cursor:pointer;color:#5f6878;font-size:12px}
details p{font-size:12px;color:#5f6878;margin:4px 0 0}
.login{max-width:420px;margin:12vh auto;background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:24px}
.login.wide{max-width:600px}
.login input{width:100%;padding:8px;margin:6px 0 14px;font:inherit;border:1px solid #9aa7bd;border-radius:5px}
pre{background:#f3f5f9;border-radius:5px;padding:8px;white-space:pre-wrap}
.error{color:#9b1c1c;margin:0 0 10px}
.banner{background:#fff1cc;color:#7a5300;border:1px solid #f0b429}
footer{padding:0 24px 24px;color:#5f6878;font-size:12px;max-width:1280px;margin:0 auto}
footer a{color:#183153}
`;

/** `lang`: the page's one language (the API docs page is English). */
export function Layout(props: { title: string; nonce: string; lang?: string; children?: Child }) {
  return (
    <html lang={props.lang ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        {/* A constant of ours, never lead data: safe to emit unescaped (escaping would mangle the quotes). */}
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** The header every signed-in page shows: whether cards are written, the rollout, sign out. Read from the same WriteMode as the write-back box. */
export function PageHeader({ ui, mode }: { ui: Ui; mode: WriteMode }) {
  const t = ui.t;
  const modeText = mode.state === 'writing' ? fill(t.mode.writing, { crms: mode.writing.join(', ') }) : t.mode[mode.state];
  return (
    <header>
      <h1>
        <a href="/">Verrijk</a>
      </h1>
      <span class={`badge ${mode.state === 'writing' ? '' : 'warn'}`} data-mode={mode.state}>
        {modeText}
      </span>
      <span class={`badge ${mode.rolloutPercent < 100 ? 'warn' : ''}`}>{fill(t.mode.rollout, { percent: mode.rolloutPercent })}</span>
      <span class="spacer" />
      <form method="post" action="/logout">
        <button type="submit">{t.signOut}</button>
      </form>
    </header>
  );
}

export function Footer({ ui, generatedAt, database }: { ui: Ui; generatedAt: Date; database: string }) {
  const t = ui.t;
  return (
    <footer>
      {fill(t.footer, { when: generatedAt.toISOString().replace('T', ' ').slice(0, 19) + ' UTC', database })} · <a href="/docs">{t.nav.docs}</a> ·{' '}
      <a href="/openapi.json">{t.nav.openapi}</a> · <a href="/metrics">{t.nav.metrics}</a>
    </footer>
  );
}
