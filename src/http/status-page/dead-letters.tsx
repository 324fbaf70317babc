import type { DeadJob } from '../../ops/dead-letters.js';
import { type Ui, fill, leadHref, when } from './format.js';

/**
 * Failed leads (dead letters) by company name, each with the reason in plain
 * words and the stored error kept behind "technical message" for whoever fixes
 * it. The retry buttons are form POSTs to the admin API, which redirects back.
 */

function Reason({ ui, j }: { ui: Ui; j: DeadJob }) {
  const t = ui.t.dead;
  return (
    <>
      <span class="reason">{fill(t.kinds[j.failure.kind], { status: j.failure.status ?? '' }).replace(' ()', '')}</span>
      {j.failure.gaveUp ? <div class="small muted">{t.gaveUp}</div> : null}
      {j.lastError ? (
        <details>
          <summary>{t.technical}</summary>
          <p>{j.lastError}</p>
        </details>
      ) : null}
    </>
  );
}

/** `readOnly`: a client's view, which may not retry (the admin API refuses it a write anyway). */
export function DeadLetters({ ui, dead, readOnly = false }: { ui: Ui; dead: DeadJob[]; readOnly?: boolean }) {
  const t = ui.t.dead;
  return (
    <section id="failed">
      <h2>{t.heading}</h2>
      {dead.length === 0 ? (
        <p class="muted">{t.none}</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>{t.company}</th>
                <th>{t.why}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {dead.map((j) => (
                <tr>
                  <td>
                    <a href={leadHref(j)}>{j.company ?? t.unknownCompany}</a>
                    <div class="small muted">{fill(t.lead, { source: j.source, type: j.objectType, id: j.objectId })}</div>
                    <div class="small muted">{fill(t.attempts, { attempts: j.attempts, when: when(j.updatedAt) })}</div>
                  </td>
                  <td>
                    <Reason ui={ui} j={j} />
                  </td>
                  <td>
                    {readOnly ? null : (
                      <form method="post" action={`/v1/jobs/${j.id}/retry`}>
                        <button type="submit">{t.retry}</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {readOnly ? null : (
            <form method="post" action="/v1/jobs/retry?status=dead">
              <p class="actions">
                <button type="submit">{t.retryAll}</button>
              </p>
            </form>
          )}
        </>
      )}
    </section>
  );
}
