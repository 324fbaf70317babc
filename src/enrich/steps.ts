/**
 * A build that can pause: a generator that does its work in order and yields (nothing) between
 * slices of it. Run to the end at once (`runSteps`, what the CLI, the eval and tests get) or
 * giving the event loop a turn whenever a slice has taken `sliceMs` (`runStepsYielding`, what the
 * service does after it listens, so that `/readyz` and webhooks are answered while the enricher
 * is built). Both run the very same steps in the very same order: the result cannot differ.
 */
export type Steps<T> = Generator<void, T, void>;

/** Yield every this many items of a loop: cheap enough to check, fine enough that a slice stays short. */
export const ITEMS_PER_STEP = 64;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps, letting the event loop run (setImmediate: I/O first) after every `sliceMs` of them. */
export async function runStepsYielding<T>(steps: Steps<T>, sliceMs = 10): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
