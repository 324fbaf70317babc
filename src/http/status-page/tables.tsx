import type { AccountView, RateLimitView, StatusSnapshot, WriteMode } from '../../ops/status.js';
import { type Ui, age, fill, since, word } from './format.js';

/** The overview's small boxes: queue, write-back, CRM accounts, CRM rate limits, CBS tables and their refresh runs. */

export function QueueBox({ ui, queue }: { ui: Ui; queue: StatusSnapshot['queue'] }) {
  const t = ui.t.queue;
  return (
    <section>
      <h2>{t.heading}</h2>
      <div class="counts">
        {Object.entries(queue.counts).map(([status, n]) => (
          <div class="count">
            <span class="muted small">{word(t.counts, status)}</span>
            <b class={status === 'dead' && n > 0 ? 'error' : ''}>{n}</b>
          </div>
        ))}
      </div>
      <p class="small muted">{queue.oldestWaitingSeconds > 0 ? fill(t.oldest, { age: age(queue.oldestWaitingSeconds) }) : t.noneWaiting}</p>
    </section>
  );
}

/** Says the same as the header (both read one WriteMode): per CRM whether it writes, and the rollout. */
export function WriteBackBox({ ui, mode }: { ui: Ui; mode: WriteMode }) {
  const t = ui.t.write;
  return (
    <section id="write-back">
      <h2>{t.heading}</h2>
      <p>
        <span class={`badge ${mode.state === 'writing' ? 'ok' : 'warn'}`} data-mode={mode.state}>
          {mode.state === 'writing' ? fill(ui.t.mode.writing, { crms: mode.writing.join(', ') }) : ui.t.mode[mode.state]}
        </span>
      </p>
      <table>
        <tbody>
          {mode.crms.map((c) => (
            <tr>
              <td>{c.crm}</td>
              <td class="small muted">{c.configured ? t.configured : t.notConfigured}</td>
              <td>{c.writes ? <span class="badge ok">{t.writes}</span> : <span class="badge warn">{t.dry}</span>}</td>
            </tr>
          ))}
          <tr>
            <td colspan={2}>{t.rollout}</td>
            <td class="num">{mode.rolloutPercent}%</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function windowText(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function RateLimitRow({ ui, r, now }: { ui: Ui; r: RateLimitView; now: Date }) {
  const t = ui.t.rate;
  return (
    <tr>
      <td class="nowrap">{r.key}</td>
      <td class="num">{fill(t.per, { used: r.usedInWindow, limit: r.limit, window: windowText(r.windowMs) })}</td>
      <td>
        {r.pausedUntil ? (
          <span class="badge bad">{fill(t.paused, { age: age((r.pausedUntil.getTime() - now.getTime()) / 1000), reason: r.pauseReason ?? '' })}</span>
        ) : (
          <span class="badge ok">{t.flowing}</span>
        )}
      </td>
      <td class="num">{r.dailyLimit ? `${ui.number(r.dailyUsed)} / ${ui.number(r.dailyLimit)}` : ui.number(r.dailyUsed)}</td>
    </tr>
  );
}

/** Account states that need someone: shown as a warning with the reason. */
const ACCOUNT_BADGE: Record<string, string> = { active: 'ok', paused: 'warn', needs_reconnect: 'bad' };

/** The registered CRM accounts, each linking to its own lead list, with its state and why. */
export function AccountsBox({ ui, accounts, selected }: { ui: Ui; accounts: AccountView[]; selected: string }) {
  const t = ui.t.accounts;
  return (
    <section id="accounts">
      <h2>{t.heading}</h2>
      {accounts.length === 0 ? (
        <p class="muted">{t.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t.account}</th>
              <th>{t.connection}</th>
              <th>{t.state}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => {
              const key = `${a.source}:${a.accountId}`;
              return (
                <tr>
                  <td>
                    {key === selected ? (
                      <b class="nowrap">{key}</b>
                    ) : (
                      <a class="nowrap" href={`/?${new URLSearchParams({ account: key })}#leads`}>
                        {key}
                      </a>
                    )}
                  </td>
                  <td class="small">{word(t.connections, a.origin === 'environment' ? 'environment' : a.authKind)}</td>
                  <td>
                    <span class={`badge ${ACCOUNT_BADGE[a.state] ?? ''}`}>{word(t.states, a.state)}</span>
                    {a.state !== 'active' && a.stateReason ? <div class="small muted">{a.stateReason}</div> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RateLimitsBox({ ui, rateLimits, now }: { ui: Ui; rateLimits: RateLimitView[]; now: Date }) {
  const t = ui.t.rate;
  return (
    <section>
      <h2>{t.heading}</h2>
      {rateLimits.length === 0 ? (
        <p class="muted">{t.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t.account}</th>
              <th class="num">{t.window}</th>
              <th>{t.state}</th>
              <th class="num">{t.today}</th>
            </tr>
          </thead>
          <tbody>
            {rateLimits.map((r) => (
              <RateLimitRow ui={ui} r={r} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function CbsBox({ ui, cbs, now }: { ui: Ui; cbs: StatusSnapshot['cbs']; now: Date }) {
  const t = ui.t.cbs;
  return (
    <section>
      <h2>{t.heading}</h2>
      {cbs.tables.length === 0 ? (
        <p class="muted">{t.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t.table}</th>
              <th>{t.copy}</th>
              <th class="num">{t.modified}</th>
              <th class="num">{t.loaded}</th>
              <th class="num">{t.rows}</th>
            </tr>
          </thead>
          <tbody>
            {cbs.tables.map((tb) => (
              <tr>
                <td>
                  <b class="code">{tb.tableId}</b>
                  <div class="small muted">{tb.title ?? ''}</div>
                  {tb.lastRefresh?.error ? <span class="badge bad">{fill(t.lastRefreshFailed, { error: tb.lastRefresh.error })}</span> : null}
                </td>
                <td class="small">{tb.source ? word(ui.t.lead.copies, tb.source) : t.notLoaded}</td>
                <td class="num small">{tb.modified?.slice(0, 10) ?? ui.t.unknown}</td>
                <td class="num small">{tb.loadedAt ? fill(ui.t.ago, { age: since(new Date(tb.loadedAt), now) }) : ui.t.unknown}</td>
                <td class="num">{tb.rowCount === null ? ui.t.unknown : ui.number(tb.rowCount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t.refreshes}</h3>
      {cbs.refreshes.length === 0 ? (
        <p class="muted small">{t.noRefreshes}</p>
      ) : (
        <table>
          <tbody>
            {cbs.refreshes.map((r) => (
              <tr>
                <td>
                  <span class={`badge ${r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'bad' : ''}`}>{word(t.refreshStatus, r.status)}</span>
                </td>
                <td class="small">{word(t.trigger, r.trigger)}</td>
                <td class="small num">{fill(ui.t.ago, { age: since(r.startedAt, now) })}</td>
                <td class="small">{r.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The latest backfills: state, done of total, time left; a preview links its report and CSV. */
export function BackfillsBox({ ui, backfills }: { ui: Ui; backfills: StatusSnapshot['backfills'] }) {
  const t = ui.t.backfills;
  return (
    <section id="backfills">
      <h2>{t.heading}</h2>
      {backfills.length === 0 ? (
        <p class="small muted">{t.none}</p>
      ) : (
        <ul>
          {backfills.map((b) => (
            <li>
              <b>{fill(t.run, { id: b.id, source: b.source, type: b.objectType })}</b> {b.dryRun ? <span class="badge warn">{t.preview}</span> : null}{' '}
              <span class="muted small">{word(t.states, b.state)}</span>{' '}
              <span>{fill(t.progress, { done: b.done, total: b.total ?? '?' })}</span>
              {b.etaSeconds ? <span class="muted small"> · {fill(t.eta, { eta: age(b.etaSeconds) })}</span> : null}{' '}
              <a href={`/v1/backfills/${b.id}/report`}>{t.report}</a> · <a href={`/v1/backfills/${b.id}/report.csv`}>{t.csv}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
