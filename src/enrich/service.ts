import type { CbsTableVersion } from '../cbs/model.js';
import { loadBundledSnapshot } from '../cbs/snapshot.js';
import type { Logger } from '../logger.js';
import { buildEnricher, type VerrijkEnricher } from './engine.js';
import type { FigureSpec } from './figure-spec.js';
import { loadSbiList, type SbiList } from './sbi-list.js';
import type { SbiInputSystems } from './types.js';

/**
 * The enricher as the service holds it: built lazily from the current CBS
 * table versions, shared by every caller, and thrown away when a table
 * version swaps (`invalidate`, called from the CBS store's `onSwap`).
 */

export interface EnrichmentServiceOptions {
  getTables: () => Promise<CbsTableVersion[]>;
  sbiList?: SbiList;
  minConfidence: number;
  logger: Logger;
  /** Which table feeds each card figure (config CBS_FIGURES); default the three of figure-spec.ts. */
  figures?: FigureSpec[];
  /** The list a code both SBI lists have is read in, per field (SBI_INPUT_SYSTEM, the mapping's `inputs`). */
  inputSystems?: SbiInputSystems;
}

export interface EnrichmentService {
  /** The current enricher; the first call (and the first after `invalidate`) builds it. */
  enricher(): Promise<VerrijkEnricher>;
  /** Drops the current enricher so the next call rebuilds it from the tables as they are now. */
  invalidate(): void;
}

export function createEnrichmentService(options: EnrichmentServiceOptions): EnrichmentService {
  const log = options.logger.child({ component: 'enrichment' });
  let current: Promise<VerrijkEnricher> | undefined;
  let generation = 0;

  async function build(gen: number): Promise<VerrijkEnricher> {
    const started = performance.now();
    const tables = await options.getTables();
    // In slices that let the event loop run: a service builds it after it listens (src/runtime.ts),
    // and a webhook or /readyz that comes meanwhile is answered, not held for the whole build.
    const enricher = await buildEnricher({
      sbiList: options.sbiList ?? loadSbiList(),
      tables,
      minConfidence: options.minConfidence,
      figures: options.figures,
      inputSystems: options.inputSystems,
    });
    log.info(
      { generation: gen, tables: enricher.tables, ms: Math.round(performance.now() - started) },
      enricher.tables.length ? 'enricher built' : 'enricher built without CBS tables: sector and size only',
    );
    return enricher;
  }

  return {
    enricher() {
      if (!current) {
        const gen = ++generation;
        const building = build(gen);
        current = building;
        // A failed build is not cached: the next call tries again.
        building.catch((err) => {
          if (current === building) current = undefined;
          log.error({ err }, 'building the enricher failed');
        });
      }
      return current;
    },
    invalidate() {
      current = undefined;
    },
  };
}

/** The bundled snapshot as table versions: what the CLI and a service without a CBS store answer from. */
export async function bundledTableVersions(tableIds?: string[]): Promise<CbsTableVersion[]> {
  const tables = await loadBundledSnapshot(tableIds);
  return tables.map((data, i) => ({
    versionId: -(i + 1),
    tableId: data.tableId,
    source: 'snapshot' as const,
    loadedAt: data.info.modified ?? '1970-01-01T00:00:00.000Z',
    data,
  }));
}

/** What the service needs from the CBS store (src/cbs/store.ts). */
export interface CbsTableSource {
  getTables(): Promise<CbsTableVersion[]>;
  onSwap(listener: (tableId: string) => void): () => void;
}

/**
 * The service over the CBS store, rebuilt on every swap; without a store (a
 * process that has none wired), over the bundled snapshot of the configured tables.
 */
export function enrichmentServiceFor(
  store: CbsTableSource | undefined,
  options: { minConfidence: number; logger: Logger; tableIds: string[]; figures?: FigureSpec[]; inputSystems?: SbiInputSystems },
): EnrichmentService {
  const service = createEnrichmentService({
    getTables: store ? () => store.getTables() : () => bundledTableVersions(options.tableIds),
    minConfidence: options.minConfidence,
    logger: options.logger,
    figures: options.figures,
    inputSystems: options.inputSystems,
  });
  store?.onSwap(() => service.invalidate());
  return service;
}
