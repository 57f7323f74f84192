/**
 * SIGTERM / SIGINT for the long-running commands (`worker`, `serve`). The handlers are installed
 * before the service starts and logs that it did: a supervisor that stops the process as soon as
 * it reads "started" must not kill it before it can shut down cleanly.
 */
export interface StopSignal {
  /** Resolves with the first signal. */
  received: Promise<NodeJS.Signals>;
}

/** `onSecond` runs on a second signal while the first is still being handled. */
export function listenForStop(onSecond: (signal: NodeJS.Signals) => void): StopSignal {
  let first: NodeJS.Signals | undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const handle = (signal: NodeJS.Signals) => {
      if (first !== undefined) {
        onSecond(signal);
        return;
      }
      first = signal;
      resolve(signal);
    };
    process.on('SIGTERM', handle);
    process.on('SIGINT', handle);
  });
  return { received };
}
