import type { Child } from 'hono/jsx';

/**
 * The page shell shared by the status page and the login form. No scripts, no
 * external assets: the stylesheet is inline and allowed by the CSP nonce.
 */

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f3f5f9}
header{display:flex;align-items:center;gap:12px;padding:14px 24px;background:#183153;color:#fff}
header h1{font-size:18px;margin:0 12px 0 0;letter-spacing:.02em}
header .spacer{flex:1}
header form{margin:0}
main{padding:20px 24px;display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px;align-items:start}
section{background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:14px 16px}
section.wide{grid-column:1/-1}
h2{font-size:15px;margin:0 0 10px;color:#183153}
table+h2,p+h2,div+h2,form+h2{margin-top:18px}
h3{font-size:14px;margin:0 0 4px;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid #eef1f5;vertical-align:top;overflow-wrap:anywhere}
th{white-space:nowrap;font-weight:600;color:#5a6478;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#6b7489}
.small{font-size:12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e6ebf3;color:#183153}
.badge.ok{background:#dcf3e4;color:#146c2e}
.badge.warn{background:#fff1cc;color:#7a5300}
.badge.bad{background:#fde0e0;color:#9b1c1c}
header .badge{background:#2b4a75;color:#fff}
header .badge.warn{background:#f0b429;color:#1d2433}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:10px}
.count{flex:1;min-width:80px;border:1px solid #eef1f5;border-radius:6px;padding:6px 10px}
.count b{display:block;font-size:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.card{border:1px solid #dde3ec;border-radius:8px;padding:10px 12px;background:#fbfcfe}
.card dl{display:grid;grid-template-columns:minmax(0,35%) minmax(0,1fr);gap:2px 10px;margin:6px 0}
.card dt{color:#6b7489;font-size:12px}
.card dd{margin:0;overflow-wrap:anywhere}
.card .source{font-size:11px;color:#6b7489;margin-top:4px}
.card .trend img{display:block;max-width:100%;height:auto;margin-top:2px}
button{white-space:nowrap;font:inherit;font-size:12px;padding:3px 10px;border-radius:5px;border:1px solid #9aa7bd;background:#fff;cursor:pointer}
button.primary{background:#183153;color:#fff;border-color:#183153;padding:6px 14px;font-size:14px}
.login{max-width:380px;margin:12vh auto;background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:24px}
.login input{width:100%;padding:8px;margin:6px 0 14px;font:inherit;border:1px solid #9aa7bd;border-radius:5px}
.error{color:#9b1c1c;margin:0 0 10px}
.banner{background:#fff1cc;color:#7a5300;border:1px solid #f0b429}
footer{padding:0 24px 24px;color:#6b7489;font-size:12px}
footer a{color:#183153}
`;

export function Layout(props: { title: string; nonce: string; children?: Child }) {
  return (
    <html lang="en">
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
