import type { BenchSection } from '../lib/context.js';
import { cbsRefreshSection } from './cbs-refresh.js';
import { intakeSection } from './intake.js';
import { resolutionSection } from './resolution.js';
import { startupSection } from './startup.js';
import { writebackSection } from './writeback.js';

/** The bench sections in the order they run. */
export const sections: BenchSection[] = [startupSection, intakeSection, resolutionSection, writebackSection, cbsRefreshSection];
