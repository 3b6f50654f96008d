/**
 * What a page's buttons share: which one is working (by key, so only its row shows it), the last
 * refusal (named after what it was about), and reloading the page's data once one succeeded.
 */
import { createSignal } from 'solid-js';
import { failureText } from '../api.js';

export function createRowActions(afterEach: () => unknown) {
  const [busy, setBusy] = createSignal<string>();
  const [error, setError] = createSignal<string>();
  /** `subject` prefixes the error ("bo@example.com: …"); none for a page's own actions. */
  async function run(key: string, subject: string | undefined, action: () => Promise<unknown>): Promise<void> {
    setBusy(key);
    setError(undefined);
    try {
      await action();
      await afterEach();
    } catch (err) {
      setError(subject ? `${subject}: ${failureText(err)}` : failureText(err));
    } finally {
      setBusy(undefined);
    }
  }
  return { busy, setBusy, error, run };
}
