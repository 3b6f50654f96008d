/**
 * The channels page's data: every channel with its delivery health, the vault's names (offered in
 * the credential fields), adding and removing channels, and test messages.
 */
import { createResource } from 'solid-js';
import type { ChannelConfigInput } from '../../../core/notify.js';
import { api, ApiFailure, bodyOf, byId, type ChannelTestResult, type ChannelView } from '../api.js';

export function loadChannels() {
  const [channels, { refetch }] = createResource(async () => (await bodyOf(api.channels.$get())).channels);
  // Only suggestions for the credential fields: without them the form still works.
  const [vaultNames] = createResource(async () => (await bodyOf(api.vault.$get()).catch(() => ({ credentials: [] }))).credentials);
  return { channels, refetch, vaultNames };
}

export function addChannel(name: string, config: ChannelConfigInput): Promise<ChannelView> {
  return bodyOf(api.channels.$post({ json: { name, config } }));
}

export async function removeChannel(channel: ChannelView): Promise<void> {
  await bodyOf(api.channels[':id'].$delete({ param: byId(channel.id) }));
}

/** Sends a test message through the worker: 200 when the channel took it, 502 (same body) when not. */
export async function sendTest(channel: ChannelView): Promise<ChannelTestResult> {
  const request = api.channels[':id'].test.$post({ param: byId(channel.id) });
  const response = await request.catch((err: Error) => {
    throw new ApiFailure(`the API cannot be reached (${err.message}): is Restore Drill running?`, 0, undefined);
  });
  if (response.status === 502) return response.json();
  return bodyOf(Promise.resolve(response));
}
