import type { StatusSnapshot } from '../../ops/status.js';
import { DeadLetters } from './dead-letters.js';
import { type Ui, fill } from './format.js';
import { Footer, Layout, PageHeader } from './layout.js';
import { LeadListSection } from './lead-list.js';
import { AccountsBox, BackfillsBox, CbsBox, QueueBox, RateLimitsBox, WriteBackBox } from './tables.js';

/**
 * The overview (GET /): the state of the service on top, then failed leads, the
 * lead list with search and paging, and the CBS tables. Every string that came
 * from a CRM or a webhook is rendered as a JSX child or attribute, which
 * hono/jsx escapes; nothing here uses raw().
 *
 * A client's view (a viewer token, `s.viewer`) shows that account's failed leads (no
 * retry buttons), waits, lead list and state; the service-wide boxes are left out.
 */
export function StatusPage({ s, nonce, ui }: { s: StatusSnapshot; nonce: string; ui: Ui }) {
  const now = s.generatedAt;
  return (
    <Layout title={ui.t.title} nonce={nonce} lang={ui.lang}>
      <PageHeader ui={ui} mode={s.mode} />
      <main>
        {s.setupWaits.map((w) => (
          <section class="banner" role="alert">
            <b>{fill(ui.t.setupWait, { source: w.source, account: w.accountId, jobs: w.jobs })}</b> <span class="small">{w.error}</span>
          </section>
        ))}
        {s.viewer ? null : (
          <div class="row">
            <QueueBox ui={ui} queue={s.queue} />
            <WriteBackBox ui={ui} mode={s.mode} />
          </div>
        )}
        <DeadLetters ui={ui} dead={s.queue.dead} readOnly={s.viewer !== undefined} />
        {s.viewer ? null : <BackfillsBox ui={ui} backfills={s.backfills} />}
        <LeadListSection ui={ui} list={s.leads} now={now} scoped={s.viewer !== undefined} />
        <div class="row">
          <AccountsBox ui={ui} accounts={s.accounts} selected={s.leads.account} />
          {s.viewer ? null : <RateLimitsBox ui={ui} rateLimits={s.rateLimits} now={now} />}
          {s.viewer ? null : <CbsBox ui={ui} cbs={s.cbs} now={now} />}
        </div>
      </main>
      <Footer ui={ui} generatedAt={now} database={s.database} />
    </Layout>
  );
}
