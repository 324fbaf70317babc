import type { FigureView } from '../../ops/leads.js';
import type { LeadCardView, RateLimitView, StatusSnapshot } from '../../ops/status.js';
import { trendLine } from '../../enrich/card.js';
import { TrendSchema } from '../../enrich/result.js';
import { Layout } from './layout.js';
import { CHART_HEIGHT, CHART_WIDTH, trendChartDataUri } from './trend-chart.js';

/**
 * The status page. Every string that came from a CRM or a webhook (company names,
 * ids, card values, error messages) is rendered as a JSX child or attribute,
 * which hono/jsx escapes; nothing here uses raw().
 */

export function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

const since = (d: Date | null | undefined, now: Date) => (d ? age((now.getTime() - d.getTime()) / 1000) : '–');
const when = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '–');

const WRITE_BADGE: Record<string, string> = { written: 'ok', unchanged: 'ok', dry_run: 'warn', no_crm: 'warn', skipped_rollout: 'warn' };

const FIGURE_CARD_FIELD: Record<string, string> = {
  jobs: 'cbs_market_figure',
  businesses: 'cbs_businesses_in_segment',
  establishments: 'cbs_establishments_in_municipality',
};

/** Where a figure comes from, in one line: table · topic · unit · period · CBS Modified · snapshot or live copy. */
export function figureSource(f: FigureView): string {
  return [f.tableId, f.topic, f.unit, f.period, f.modified ? `Modified ${f.modified.slice(0, 10)}` : 'Modified onbekend', f.source]
    .filter(Boolean)
    .join(' · ');
}

/** The figure's trend: its one-line change and the five-period chart (src/http/status-page/trend-chart.ts). */
function FigureTrend({ f }: { f: FigureView }) {
  const parsed = TrendSchema.safeParse(f.trend);
  if (!parsed.success) return null;
  const trend = parsed.data;
  const line = trendLine({ id: f.id, tableId: f.tableId, sbiCode: f.sbiCode, trend });
  return (
    <div class="trend">
      <img class="chart" src={trendChartDataUri(trend, line ?? f.label)} width={CHART_WIDTH} height={CHART_HEIGHT} alt={line ?? `${f.label}: ${trend.series.length} perioden`} />
      {line ? <div class="small">{line}</div> : null}
    </div>
  );
}

function FigureRow({ f, card }: { f: FigureView; card: Record<string, string> }) {
  const text = card[FIGURE_CARD_FIELD[f.id] ?? ''] ?? (f.value !== null ? String(f.value) : (f.reason ?? f.status));
  return (
    <>
      <dt>{f.label}</dt>
      <dd>
        {text}
        <div class="muted small">{figureSource(f)}</div>
        <FigureTrend f={f} />
      </dd>
    </>
  );
}

function LeadCard({ e, now }: { e: LeadCardView; now: Date }) {
  const c = e.card;
  const size = [c.cbs_size_class, c.cbs_size_category].filter(Boolean).join(' · ');
  return (
    <div class="card">
      <h3>{e.company ?? `${e.objectType} ${e.objectId}`}</h3>
      <span class={`badge ${WRITE_BADGE[e.writeStatus] ?? ''}`}>{e.writeStatus.replace('_', ' ')}</span>{' '}
      <span class="muted small">
        {e.source} · {e.objectType} {e.objectId} · {since(e.createdAt, now)} ago
      </span>
      <dl>
        <dt>Sector</dt>
        <dd>{[c.cbs_sbi_code, c.cbs_sbi_title].filter(Boolean).join(' ') || c.cbs_sector || '–'}</dd>
        <dt>Size</dt>
        <dd>{size || '–'}</dd>
        {e.figures.length ? (
          <>
            {c.cbs_municipality ? (
              <>
                <dt>Municipality</dt>
                <dd>{c.cbs_municipality}</dd>
              </>
            ) : null}
            {e.figures.map((f) => (
              <FigureRow f={f} card={c} />
            ))}
          </>
        ) : (
          <>
            <dt>Market</dt>
            <dd>{c.cbs_market_figure ?? '–'}</dd>
          </>
        )}
        <dt>Period</dt>
        <dd>{c.cbs_period ?? '–'}</dd>
      </dl>
      <div class="source">{c.cbs_source ?? ''}</div>
    </div>
  );
}

function RateLimitRow({ r, now }: { r: RateLimitView; now: Date }) {
  return (
    <tr>
      <td>{r.key}</td>
      <td class="num">
        {r.usedInWindow} / {r.limit} per {r.windowMs >= 1000 ? `${r.windowMs / 1000} s` : `${r.windowMs} ms`}
      </td>
      <td>
        {r.pausedUntil ? (
          <span class="badge bad">
            paused {age((r.pausedUntil.getTime() - now.getTime()) / 1000)}: {r.pauseReason ?? ''}
          </span>
        ) : (
          <span class="badge ok">flowing</span>
        )}
      </td>
      <td class="num">{r.dailyLimit ? `${r.dailyUsed} / ${r.dailyLimit}` : r.dailyUsed}</td>
    </tr>
  );
}

export function StatusPage({ s, nonce }: { s: StatusSnapshot; nonce: string }) {
  const now = s.generatedAt;
  const writing = s.mode.crms.filter((c) => c.writes).map((c) => c.crm);
  const dry = s.mode.dryRun || writing.length === 0;
  return (
    <Layout title="Verrijk · status" nonce={nonce}>
      <header>
        <h1>Verrijk</h1>
        <span class={`badge ${dry ? 'warn' : ''}`}>{dry ? 'dry run: nothing is written to a CRM' : `writing to ${writing.join(', ')}`}</span>
        <span class={`badge ${s.mode.rolloutPercent < 100 ? 'warn' : ''}`}>rollout {s.mode.rolloutPercent}%</span>
        <span class="spacer" />
        <form method="post" action="/logout">
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main>
        {s.setupWaits.map((w) => (
          <section class="banner" role="alert">
            <b>{w.source} account {w.accountId}: {w.jobs} jobs wait for CRM setup.</b> <span class="small">{w.error}</span>
          </section>
        ))}
        <section>
          <h2>Queue</h2>
          <div class="counts">
            {Object.entries(s.queue.counts).map(([status, n]) => (
              <div class="count">
                <span class="muted small">{status}</span>
                <b class={status === 'dead' && n > 0 ? 'error' : ''}>{n}</b>
              </div>
            ))}
          </div>
          <p class="small muted">Oldest waiting job: {s.queue.oldestWaitingSeconds > 0 ? age(s.queue.oldestWaitingSeconds) : 'none waiting'}</p>
          <h2>Latest dead letters</h2>
          {s.queue.dead.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <>
              <table>
                <thead>
                  <tr><th>job</th><th>lead</th><th>reason</th><th /></tr>
                </thead>
                <tbody>
                  {s.queue.dead.map((j) => (
                    <tr>
                      <td class="num">{j.id}</td>
                      <td class="small">{j.leadKey}<br /><span class="muted">{when(j.updatedAt)}, {j.attempts} attempts</span></td>
                      <td class="small">{j.lastError ?? '–'}</td>
                      <td>
                        <form method="post" action={`/v1/jobs/${j.id}/retry`}>
                          <button type="submit">Retry</button>
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <form method="post" action="/v1/jobs/retry?status=dead">
                <p><button type="submit">Retry all dead letters</button></p>
              </form>
            </>
          )}
        </section>

        <section>
          <h2>CBS tables</h2>
          {s.cbs.tables.length === 0 ? (
            <p class="muted">No CBS table loaded yet.</p>
          ) : (
            <table>
              <thead>
                <tr><th>table</th><th>source</th><th>CBS modified</th><th>loaded</th><th class="num">rows</th></tr>
              </thead>
              <tbody>
                {s.cbs.tables.map((t) => (
                  <tr>
                    <td><b>{t.tableId}</b><br /><span class="small muted">{t.title ?? ''}</span>
                      {t.lastRefresh?.error ? <><br /><span class="badge bad">last refresh: {t.lastRefresh.error}</span></> : null}</td>
                    <td>{t.source ?? 'not loaded'}</td>
                    <td class="small">{t.modified?.slice(0, 10) ?? '–'}</td>
                    <td class="small">{t.loadedAt ? `${since(new Date(t.loadedAt), now)} ago` : '–'}</td>
                    <td class="num">{t.rowCount ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Refresh runs</h2>
          {s.cbs.refreshes.length === 0 ? (
            <p class="muted small">No refresh has run yet.</p>
          ) : (
            <table>
              <tbody>
                {s.cbs.refreshes.map((r) => (
                  <tr>
                    <td><span class={`badge ${r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'bad' : ''}`}>{r.status}</span></td>
                    <td class="small">{r.trigger}</td>
                    <td class="small">{when(r.startedAt)}</td>
                    <td class="small">{r.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section class="wide">
          <h2>Recent enrichments</h2>
          {s.enrichments.length === 0 ? (
            <p class="muted">No lead enriched yet. They appear here as webhooks arrive.</p>
          ) : (
            <div class="cards">
              {s.enrichments.map((e) => (
                <LeadCard e={e} now={now} />
              ))}
            </div>
          )}
        </section>

        <section>
          <h2>CRM rate limits</h2>
          {s.rateLimits.length === 0 ? (
            <p class="muted">No CRM request sent yet.</p>
          ) : (
            <table>
              <thead>
                <tr><th>credential</th><th class="num">used in window</th><th>state</th><th class="num">today</th></tr>
              </thead>
              <tbody>
                {s.rateLimits.map((r) => (
                  <RateLimitRow r={r} now={now} />
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section>
          <h2>Write-back</h2>
          <table>
            <tbody>
              {s.mode.crms.map((c) => (
                <tr>
                  <td>{c.crm}</td>
                  <td>{c.writes && !s.mode.dryRun ? <span class="badge ok">writes cards</span> : <span class="badge warn">dry</span>}</td>
                </tr>
              ))}
              <tr><td>DRY_RUN</td><td>{String(s.mode.dryRun)}</td></tr>
              <tr><td>ROLLOUT_PERCENT</td><td>{s.mode.rolloutPercent}%</td></tr>
            </tbody>
          </table>
        </section>
      </main>
      <footer>
        {when(now)} · database {s.database} · <a href="/docs">API docs</a> · <a href="/openapi.json">openapi.json</a> · <a href="/metrics">metrics</a>
      </footer>
    </Layout>
  );
}
