/** Merges message streams that are each in log-time order into one (a split bag's files). */
import { MinHeap } from "./min-heap";

/** Yields from all sources in log-time order; ties go to the earlier source. Closes every source when done or abandoned. */
export async function* mergeByLogTime<T extends { readonly logTimeNs: bigint }>(
  sources: readonly AsyncIterable<T>[],
): AsyncGenerator<T> {
  if (sources.length === 1) {
    yield* sources[0];
    return;
  }
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heap = new MinHeap<{ value: T; source: number }>((a, b) =>
    a.value.logTimeNs !== b.value.logTimeNs ? a.value.logTimeNs < b.value.logTimeNs : a.source < b.source,
  );
  try {
    for (let i = 0; i < iterators.length; i++) {
      const r = await iterators[i].next();
      if (!r.done) heap.push({ value: r.value, source: i });
    }
    for (let top = heap.pop(); top; top = heap.pop()) {
      yield top.value;
      const r = await iterators[top.source].next();
      if (!r.done) heap.push({ value: r.value, source: top.source });
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
