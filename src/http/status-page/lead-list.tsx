import type { LeadList } from '../../ops/lead-list.js';
import { type Ui, fill, leadHref, since, word } from './format.js';

/**
 * The lead list: a search box (company, lead id or domain), one compact row per
 * lead (its latest enrichment) linking to the lead page, and paging by links
 * (`?q=…&page=N`), so it works without scripts and a page can be bookmarked;
 * `?account=source:accountId` keeps the list (search and paging too) to one CRM account.
 */

export const WRITE_BADGE: Record<string, string> = { written: 'ok', unchanged: 'ok', dry_run: 'warn', no_crm: 'warn', skipped_rollout: 'warn' };

function pageHref(query: string, page: number, account = ''): string {
  const q = new URLSearchParams();
  if (account) q.set('account', account);
  if (query) q.set('q', query);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/?${s}#leads` : '/#leads';
}

/** `scoped`: a client's view, which has no other accounts to go back to. */
export function LeadListSection({ ui, list, now, scoped = false }: { ui: Ui; list: LeadList; now: Date; scoped?: boolean }) {
  const t = ui.t.leads;
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
  const from = list.total === 0 ? 0 : (list.page - 1) * list.pageSize + 1;
  const to = Math.min(list.total, list.page * list.pageSize);
  return (
    <section id="leads">
      <h2>{t.heading}</h2>
      {list.account ? (
        <p class="small">
          {fill(t.ofAccount, { account: list.account })} {scoped ? null : <a href="/#leads">{t.allAccounts}</a>}
        </p>
      ) : null}
      <form class="search" method="get" action="/">
        <label for="q">{t.searchLabel}</label>
        <input id="q" name="q" type="search" value={list.query} maxlength={100} />
        {list.account ? <input type="hidden" name="account" value={list.account} /> : null}
        <button type="submit">{t.search}</button>
        {list.query ? <a href={pageHref('', 1, list.account)}>{t.clear}</a> : null}
      </form>
      {list.rows.length === 0 ? (
        <p class="muted">{list.query ? fill(t.noMatch, { query: list.query }) : t.none}</p>
      ) : (
        <>
          <p class="small muted">{fill(list.query ? t.countQuery : t.count, { from, to, total: list.total, query: list.query })}</p>
          <table class="leads">
            <thead>
              <tr>
                <th>{t.company}</th>
                <th>{t.sector}</th>
                <th>{t.size}</th>
                <th>{t.place}</th>
                <th>{t.card}</th>
                <th class="num">{t.when}</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((r) => (
                <tr>
                  <td>
                    <a href={leadHref(r)}>{r.company ?? t.unknownCompany}</a>
                    <div class="small muted">
                      {r.domain ? <>{r.domain} · </> : null}
                      <span class="nowrap">
                        {r.source} {r.objectId}
                      </span>
                    </div>
                  </td>
                  <td>
                    {r.sector ? (
                      <>
                        <span class="code">{r.sector.code}</span> {r.sector.title ?? ''}
                      </>
                    ) : (
                      <span class="muted">{ui.t.lead.noSector}</span>
                    )}
                  </td>
                  <td>{r.size ?? <span class="muted">{ui.t.unknown}</span>}</td>
                  <td>{r.municipality ?? <span class="muted">{ui.t.unknown}</span>}</td>
                  <td>
                    <span class={`badge ${WRITE_BADGE[r.writeStatus] ?? ''}`}>{word(ui.t.writeStatus, r.writeStatus)}</span>
                  </td>
                  <td class="num small">{fill(ui.t.ago, { age: since(r.createdAt, now) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 ? (
            <nav class="pager">
              {list.page > 1 ? <a href={pageHref(list.query, list.page - 1, list.account)}>{t.previous}</a> : null}
              <span class="small muted">{fill(t.page, { page: list.page, pages })}</span>
              {list.page < pages ? <a href={pageHref(list.query, list.page + 1, list.account)}>{t.next}</a> : null}
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}
