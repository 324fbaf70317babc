/**
 * How many webhooks this process is taking in right now. A CRM waits on those
 * (HubSpot gives up after 5 s, Pipedrive bans a slow endpoint); the jobs they
 * create are durable and can wait a little. So the worker pool yields to intake
 * before each claim, for a bounded time (see `yieldMaxMs` in worker.ts).
 */
export interface IntakeGauge {
  /** Call when a webhook request starts; call the returned function when it ends. */
  enter(): () => void;
  busy(): boolean;
}

export function createIntakeGauge(): IntakeGauge {
  let inFlight = 0;
  return {
    enter() {
      inFlight++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        inFlight--;
      };
    },
    busy: () => inFlight > 0,
  };
}
