import type { BenchSection } from '../lib/context.js';
import { intakeCeilingsSection } from './intake.js';
import { resolutionSection } from './resolution.js';

/** The bench sections in the order they run. */
export const sections: BenchSection[] = [intakeCeilingsSection, resolutionSection];
