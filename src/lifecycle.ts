/**
 * What happens when the runner cancels the job: it sends SIGINT, then SIGTERM 7.5 s later,
 * then kills. The cancellation signal is aborted first, so that no stage starts anything new;
 * then the cleanups run one at a time, newest first, the way `finally` blocks unwind (the
 * sandbox is removed before the checkout it used is handed back). Removing the sandbox takes
 * well under the grace period; the post step reaps by label whatever a hard kill left.
 */
type Cleanup = () => Promise<void>;

const cleanups: Cleanup[] = [];
const cancellation = new AbortController();
let installed = false;

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch {
      // One failed cleanup must not keep the others from running.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (cancellation.signal.aborted) return;
  cancellation.abort(signal);
  process.stderr.write(`Received ${signal}: removing the sandbox before exiting.\n`);
  const code = signal === 'SIGINT' ? 130 : 143;
  void runCleanups().finally(() => process.exit(code));
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Aborted when the job is cancelled; from then on nothing more may leave the runner. */
export function cancellationSignal(): AbortSignal {
  installHandlers();
  return cancellation.signal;
}

/** Registers a cleanup for signals; call the returned function once the resource is gone. */
export function registerCleanup(cleanup: Cleanup): () => void {
  installHandlers();
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.lastIndexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}
