/** Yields to the event loop like a network call would, so other work interleaves with a pull. */
export function networkTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
