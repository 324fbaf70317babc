import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Confidence as an estimate of P(the code is right): the matcher's raw score
 * mapped through a monotone step function per kind of evidence, fitted on the
 * tune split of the evaluation set (isotonic regression, `npm run calibrate`,
 * scripts/calibrate.ts) and stored in data/calibration/industry-confidence.json.
 * Without that file the raw score is used as it is.
 */

export const CALIBRATION_FILE = fileURLToPath(new URL('../../data/calibration/industry-confidence.json', import.meta.url));

/** One block of the step function: raw scores up to `upTo` (inclusive) are right with probability `p`. */
export interface CalibrationStep {
  upTo: number;
  p: number;
  /** Cases behind the block (tune split). */
  n: number;
}

export interface CalibrationData {
  produced: string;
  /** Steps per evidence kind (`hubspot`, `linkedin`, `synonym`, `title`, `words`), ascending by `upTo`. */
  kinds: Record<string, CalibrationStep[]>;
}

export type Calibrate = (kind: string, raw: number) => number;

export const identity: Calibrate = (_kind, raw) => raw;

export function calibrator(data: CalibrationData | undefined): Calibrate {
  if (!data) return identity;
  return (kind, raw) => {
    const steps = data.kinds[kind];
    if (!steps || steps.length === 0) return raw;
    for (const s of steps) if (raw <= s.upTo) return s.p;
    return steps[steps.length - 1].p;
  };
}

export function loadCalibration(file = CALIBRATION_FILE): CalibrationData | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as CalibrationData;
}
