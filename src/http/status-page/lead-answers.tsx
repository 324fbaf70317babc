import type { FigureView } from '../../ops/leads.js';
import type { LeadDetail, Problem } from '../../ops/lead-view.js';
import { TrendSchema } from '../../enrich/result.js';
import { type Ui, fill, word } from './format.js';
import { CHART_HEIGHT, CHART_WIDTH, trendChartDataUri } from './trend-chart.js';

/**
 * The lead page's answers (sector, size class, municipality: each with how it was
 * found and how sure, or why it is missing) and its CBS figures, each with where
 * it comes from. The engine's own wording of a problem stays behind "technical
 * message"; the page says it in its language.
 */

const FIGURE_CARD_FIELD: Record<string, string> = {
  jobs: 'cbs_market_figure',
  businesses: 'cbs_businesses_in_segment',
  establishments: 'cbs_establishments_in_municipality',
};

function Problems({ ui, problems }: { ui: Ui; problems: Problem[] }) {
  return (
    <>
      {problems.map((p) => (
        <div class="reason">
          {word(ui.t.lead.problems, p.field)}
          <details>
            <summary>{ui.t.dead.technical}</summary>
            <p>{p.reason}</p>
          </details>
        </div>
      ))}
    </>
  );
}

function SectorRow({ ui, d }: { ui: Ui; d: LeadDetail }) {
  const t = ui.t.lead;
  const s = d.sector;
  const problems = d.problems.filter((p) => p.field === 'sbi' || p.field === 'kvk_sbi' || p.field === 'industry');
  const given = d.inputs.sbi || d.inputs.kvkSbi || d.inputs.industry;
  return (
    <tr>
      <th scope="row">{t.sector}</th>
      <td>
        {s ? (
          <>
            <b class="code">{s.code}</b> {s.title ?? ''} {s.level ? <span class="small muted">({word(t.level, s.level)})</span> : null}
            {s.division ? <div class="small muted">{fill(t.division, { division: s.division })}</div> : null}
            {s.sector ? <div class="small muted">{fill(t.sectorLetter, { sector: s.sector })}</div> : null}
          </>
        ) : (
          <span class="muted">{t.noSector}</span>
        )}
      </td>
      <td>
        {s ? (
          <>
            {word(t.method, s.method)}
            {s.confidence !== null ? <> · <b>{fill(t.confidence, { pct: ui.pct(s.confidence) })}</b></> : null}
            {s.normalised ? <div class="small muted">{fill(t.read, { text: s.normalised })}</div> : null}
            {s.exact === false ? <div class="small reason">{t.notExact}</div> : null}
            {s.runnerUp ? (
              <div class="small muted">
                {fill(t.runnerUp, { code: s.runnerUp.code, title: s.runnerUp.title ?? '', pct: s.runnerUp.confidence === null ? '?' : ui.pct(s.runnerUp.confidence) })}
              </div>
            ) : null}
            {/* The engine's own note (which synonym or rule matched) is English and technical: kept behind a toggle. */}
            {s.detail ? (
              <details>
                <summary>{ui.t.dead.technical}</summary>
                <p>{s.detail}</p>
              </details>
            ) : null}
          </>
        ) : (
          <>
            {given ? null : <div class="reason">{t.noSectorInput}</div>}
            {d.sectorGuess ? (
              <div class="small">
                {fill(t.guess, { code: d.sectorGuess.code, title: d.sectorGuess.title ?? '', pct: d.sectorGuess.confidence === null ? '?' : ui.pct(d.sectorGuess.confidence) })}
              </div>
            ) : null}
            <Problems ui={ui} problems={problems} />
          </>
        )}
      </td>
    </tr>
  );
}

function SizeRow({ ui, d }: { ui: Ui; d: LeadDetail }) {
  const t = ui.t.lead;
  const s = d.size;
  const problems = d.problems.filter((p) => p.field === 'employees');
  return (
    <tr>
      <th scope="row">{t.size}</th>
      <td>
        {s && s.classes.length ? s.classes.join(' / ') : <span class="muted">{t.noSize}</span>}
        {s?.category ? <div class="small muted">{s.category.split(' / ').map((c) => word(t.category, c)).join(' / ')}</div> : null}
      </td>
      <td>
        {s?.employees ? <div>{fill(t.employees, { text: s.employees })}</div> : null}
        {s?.tableId ? <div class="small muted">{`${t.table} `}<span class="code">{s.tableId}</span></div> : null}
        {s?.straddles ? <div class="small reason">{t.straddles}</div> : null}
        {!s && !d.inputs.employees ? <div class="reason">{t.noSizeInput}</div> : null}
        <Problems ui={ui} problems={problems} />
      </td>
    </tr>
  );
}

function PlaceRow({ ui, d }: { ui: Ui; d: LeadDetail }) {
  const t = ui.t.lead;
  const p = d.municipality;
  const problems = d.problems.filter((x) => x.field === 'postcode');
  return (
    <tr>
      <th scope="row">{t.place}</th>
      <td>
        {p ? (
          <>
            {p.name} {p.code ? <span class="code small muted">{p.code}</span> : null}
            {p.alsoIn.length ? <div class="small muted">{fill(t.alsoIn, { places: p.alsoIn.join(', ') })}</div> : null}
          </>
        ) : (
          <span class="muted">{t.noPlace}</span>
        )}
      </td>
      <td>
        {p ? <div class="small muted">{[p.postcode, p.source].filter(Boolean).join(' · ')}</div> : null}
        {!p && !d.inputs.postcode ? <div class="reason">{t.noPlaceInput}</div> : null}
        <Problems ui={ui} problems={problems} />
      </td>
    </tr>
  );
}

export function Answers({ ui, d }: { ui: Ui; d: LeadDetail }) {
  const t = ui.t.lead;
  return (
    <section>
      <h2>
        {t.answers} {d.status ? <span class="badge">{word(ui.t.resultStatus, d.status)}</span> : null}
      </h2>
      <table class="answers">
        <thead>
          <tr>
            <th />
            <th>{t.answer}</th>
            <th>{t.how}</th>
          </tr>
        </thead>
        <tbody>
          <SectorRow ui={ui} d={d} />
          <SizeRow ui={ui} d={d} />
          <PlaceRow ui={ui} d={d} />
        </tbody>
      </table>
    </section>
  );
}

/** One figure: value or why there is none, the CBS cell it is, and its provenance. Issue 26 adds a trend line and chart beside the value. */
/** The figure's trend in the page's language: its change and the five-period chart (trend-chart.ts). */
function FigureTrend({ ui, f, label }: { ui: Ui; f: FigureView; label: string }) {
  const parsed = TrendSchema.safeParse(f.trend);
  if (!parsed.success) return null;
  const trend = parsed.data;
  const t = ui.t.lead;
  const change = trend.changePercent === null ? null : `${trend.changePercent > 0 ? '+' : ''}${ui.number(trend.changePercent)}%`;
  const line =
    change === null || !trend.previous
      ? null
      : trend.kind === 'rolling_12_months'
        ? fill(t.trendRolling, { change })
        : fill(t.trend, { change, previous: trend.previous.label });
  const chartLabel = fill(t.trendChart, { label, n: trend.series.length });
  return (
    <div class="trend">
      <img class="chart" src={trendChartDataUri(trend, line ?? label)} width={CHART_WIDTH} height={CHART_HEIGHT} alt={chartLabel} />
      {line ? (
        <div class="small">
          {line} {trend.provisional ? t.trendProvisional : ''}
        </div>
      ) : null}
    </div>
  );
}

function FigureBlock({ ui, f, card, hasPlace }: { ui: Ui; f: FigureView; card: Record<string, string>; hasPlace: boolean }) {
  const t = ui.t.lead;
  // 'no_region' with a municipality: the table does not list it (a municipality newer than the table).
  const status = f.status === 'no_region' && hasPlace ? 'no_region_table' : f.status;
  const amount = f.count ?? f.value;
  const onCard = card[FIGURE_CARD_FIELD[f.id] ?? ''];
  const cell = [f.sbi, f.size, f.region].filter(Boolean).join(' · ');
  return (
    <div class="figure" data-figure={f.id}>
      <div class="small muted">{word(t.figureLabel, f.id) || f.label}</div>
      {amount !== null ? (
        <div class="value">{ui.number(amount)}</div>
      ) : (
        <div class="reason">{word(t.figureStatus, status) || f.reason || f.status}</div>
      )}
      {f.lastKnown?.count !== null && f.lastKnown?.count !== undefined ? (
        <div class="small reason">{fill(t.lastKnown, { count: ui.number(f.lastKnown.count), period: f.lastKnown.period ?? '' })}</div>
      ) : null}
      <FigureTrend ui={ui} f={f} label={word(t.figureLabel, f.id) || f.label} />
      {onCard ? <div class="small">{fill(t.onCard, { text: onCard })}</div> : null}
      <dl class="facts">
        {cell ? (
          <>
            <dt>{t.cell}</dt>
            <dd>{cell}</dd>
          </>
        ) : null}
        <dt>{t.table}</dt>
        <dd>
          <span class="code">{f.tableId}</span> {f.tableTitle ?? ''}
        </dd>
        <dt>{t.topic}</dt>
        <dd>{f.topicTitle ?? f.topic ?? ui.t.unknown}</dd>
        <dt>{t.unit}</dt>
        <dd>{f.unit ?? ui.t.unknown}</dd>
        <dt>{t.period}</dt>
        <dd>{[f.period, f.periodStatus ? `(${f.periodStatus})` : ''].filter(Boolean).join(' ') || ui.t.unknown}</dd>
        <dt>{t.modified}</dt>
        <dd class="code">{f.modified ? f.modified.slice(0, 10) : t.modifiedUnknown}</dd>
        <dt>{t.copy}</dt>
        <dd>{f.source ? word(t.copies, f.source) : ui.t.unknown}</dd>
      </dl>
    </div>
  );
}

export function Figures(props: { ui: Ui; figures: FigureView[]; card: Record<string, string>; sourceLine: string | null; hasPlace: boolean }) {
  const { ui, figures, card, sourceLine, hasPlace } = props;
  const t = ui.t.lead;
  return (
    <section>
      <h2>{t.figures}</h2>
      {figures.length === 0 ? (
        <p class="muted">{t.figuresNone}</p>
      ) : (
        <div class="figures">
          {figures.map((f) => (
            <FigureBlock ui={ui} f={f} card={card} hasPlace={hasPlace} />
          ))}
        </div>
      )}
      {sourceLine ? <p class="small muted">{sourceLine}</p> : null}
    </section>
  );
}
