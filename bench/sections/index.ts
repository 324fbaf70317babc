import type { BenchSection } from '../lib/context.js';
import { intakeCeilingsSection } from './intake.js';

/** The bench sections in the order they run. */
export const sections: BenchSection[] = [intakeCeilingsSection];
