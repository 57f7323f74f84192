/**
 * SIGTERM / SIGINT for the long-running commands (`worker`, `serve`). The handlers are installed
 * before the service starts and logs that it did: a supervisor that stops the process as soon as
 * it reads "started" must not kill it before it can shut down cleanly.
 */

/** Resolves with the first signal; `onSecond` runs on any signal after it. */
export function listenForStop(onSecond: (signal: NodeJS.Signals) => void): Promise<NodeJS.Signals> {
  let first: NodeJS.Signals | undefined;
  return new Promise((resolve) => {
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
}
