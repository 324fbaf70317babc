import type { LeadPageData } from '../../ops/lead-page.js';
import { INPUT_FIELDS } from '../../ops/lead-view.js';
import type { WriteMode } from '../../ops/status.js';
import { type Ui, fill, leadHref, when, word } from './format.js';
import { Footer, Layout, PageHeader } from './layout.js';
import { Answers, Figures } from './lead-answers.js';
import { WRITE_BADGE } from './lead-list.js';

/**
 * One lead (GET /leads/{source}/{id}): what came in, every answer with how and
 * how sure, every figure with its source, the card as written, its history, and
 * a re-enrich button (a form POST to the admin API, which redirects back here).
 */

function Inputs({ ui, inputs }: { ui: Ui; inputs: Record<string, string | null> }) {
  const t = ui.t.lead;
  return (
    <section>
      <h2>{t.inputs}</h2>
      <p class="small muted">{t.inputsHint}</p>
      <dl class="facts">
        {INPUT_FIELDS.map((f) => (
          <>
            <dt>{ui.t.inputFields[f]}</dt>
            <dd>{inputs[f] ?? <span class="muted">{t.notGiven}</span>}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function Card({ ui, card, before }: { ui: Ui; card: Record<string, string>; before: Record<string, string> }) {
  const t = ui.t.lead;
  return (
    <section>
      <h2>{t.cardHeading}</h2>
      <p class="small muted">{t.cardHint}</p>
      <table>
        <thead>
          <tr>
            <th>{t.field}</th>
            <th>{t.value}</th>
            <th>{t.before}</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(card).map(([k, v]) => (
            <tr>
              <td class="code small">{k}</td>
              <td>{v}</td>
              <td class="small muted">{before[k] ?? ui.t.unknown}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function History({ ui, d }: { ui: Ui; d: LeadPageData }) {
  const t = ui.t.lead;
  return (
    <section>
      <h2>{t.history}</h2>
      <h3>{t.enrichments}</h3>
      <table>
        <tbody>
          {d.enrichments.map((e) => (
            <tr>
              <td class="nowrap small">{when(e.createdAt)}</td>
              <td>{word(ui.t.resultStatus, e.status)}</td>
              <td>
                <span class={`badge ${WRITE_BADGE[e.writeStatus] ?? ''}`}>{word(ui.t.writeStatus, e.writeStatus)}</span>
              </td>
              <td class="small muted">{e.changed.length ? fill(t.changed, { fields: e.changed.join(', ') }) : t.nothingChanged}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t.jobs}</h3>
      <table>
        <tbody>
          {d.jobs.map((j) => (
            <tr>
              <td class="nowrap small">{when(j.createdAt)}</td>
              <td>{word(t.jobReason, j.reason)}</td>
              <td>
                <span class={`badge ${j.status === 'dead' ? 'bad' : j.status === 'done' ? 'ok' : ''}`}>{word(t.jobStatus, j.status)}</span>
              </td>
              <td class="small">
                {fill(t.attempts, { attempts: j.attempts })}
                {j.failure && j.status !== 'done' ? (
                  <div class="reason">{fill(ui.t.dead.kinds[j.failure.kind], { status: j.failure.status ?? '' }).replace(' ()', '')}</div>
                ) : null}
                {j.lastError && j.status !== 'done' ? (
                  <details>
                    <summary>{ui.t.dead.technical}</summary>
                    <p>{j.lastError}</p>
                  </details>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** `readOnly`: a client's view (a viewer token): no re-enrich button. */
export function LeadPage({ ui, nonce, mode, d, now, database, readOnly = false }: { ui: Ui; nonce: string; mode: WriteMode; d: LeadPageData; now: Date; database: string; readOnly?: boolean }) {
  const t = ui.t.lead;
  const name = d.company ?? ui.t.leads.unknownCompany;
  const c = d.current;
  const l = d.lead;
  return (
    <Layout title={fill(ui.t.leadTitle, { company: name })} nonce={nonce} lang={ui.lang}>
      <PageHeader ui={ui} mode={mode} />
      <main>
        <section>
          <p class="small">
            <a href="/#leads">{t.back}</a>
          </p>
          <h2 class="lead">{name}</h2>
          <p class="muted">
            {fill(t.identity, { source: l.source, type: l.objectType, id: l.objectId, account: l.accountId || ui.t.unknown })}
            {c ? (
              <>
                {' · '}
                <span class={`badge ${WRITE_BADGE[c.writeStatus] ?? ''}`}>{word(ui.t.writeStatus, c.writeStatus)}</span> {when(c.createdAt)}
              </>
            ) : null}
          </p>
          {d.alsoKnownAs.length ? (
            <p class="small muted">
              {t.alsoKnownAs}{' '}
              {d.alsoKnownAs.map((a) => (
                <>
                  <a href={leadHref(a)}>{`${a.source} ${a.objectType} ${a.objectId} (${a.accountId})`}</a>{' '}
                </>
              ))}
            </p>
          ) : null}
          {readOnly ? null : (
            <form method="post" action={`/v1/leads/${encodeURIComponent(l.source)}/${encodeURIComponent(l.objectId)}/enrich?${new URLSearchParams(l.accountId ? { account: l.accountId, type: l.objectType } : { type: l.objectType })}`}>
              <div class="actions">
                <button class="primary" type="submit">
                  {t.reenrich}
                </button>
                <span class="small muted">{t.reenrichHint}</span>
              </div>
            </form>
          )}
        </section>
        {c ? (
          <>
            <div class="row">
              <Inputs ui={ui} inputs={c.detail.inputs} />
              <Answers ui={ui} d={c.detail} />
            </div>
            <Figures ui={ui} figures={c.figures} card={c.card} sourceLine={c.sourceLine} hasPlace={c.detail.municipality !== null} />
            <Card ui={ui} card={c.card} before={c.previousCard} />
          </>
        ) : (
          <section>
            <p class="muted">{t.noEnrichment}</p>
          </section>
        )}
        <History ui={ui} d={d} />
      </main>
      <Footer ui={ui} generatedAt={now} database={database} />
    </Layout>
  );
}

export function LeadNotFound({ ui, nonce, mode, source, id }: { ui: Ui; nonce: string; mode: WriteMode; source: string; id: string }) {
  return (
    <Layout title={ui.t.title} nonce={nonce} lang={ui.lang}>
      <PageHeader ui={ui} mode={mode} />
      <main>
        <section>
          <p class="small">
            <a href="/#leads">{ui.t.lead.back}</a>
          </p>
          <p>{fill(ui.t.lead.notFound, { source, id })}</p>
        </section>
      </main>
    </Layout>
  );
}
