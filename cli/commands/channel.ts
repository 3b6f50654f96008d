/** `drill channel add|list|test|rm`: where alerts go, through the API. Configs name vault credentials, never secrets. */
import type { ChannelConfig } from '../../core/notify.js';
import { answerOf, apiClient, bodyOf, byId, type ChannelView } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, noPositionals, onePositional, parseOrExplain, printJson, printUsage, runSubcommand } from '../args.js';
import { channelConfig, CHANNEL_FLAGS, CHANNEL_FLAGS_HELP } from '../channel-flags.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { formatTable } from '../format-table.js';

/** The API gives a test message 20 s of delivery attempts; the answer needs a little longer. */
const TEST_TIMEOUT_MS = 40_000;

const USAGE = `Usage: drill channel <subcommand> [options]

Subcommands:
  add --name NAME --kind email|slack|webhook|ping (--from-json FILE | kind flags)
                        Add a channel plans can route alerts to (drill plan edit --notify NAME)
  list [--json]         Channels with their delivery health: ok, failing or unused
  test NAME             Send a test message now; exit 0 when the channel took it, 2 when not
  rm NAME               Remove a channel no plan routes to

"drill channel add --help" lists the kind flags.`;

const ADD_USAGE = `Usage: drill channel add --name NAME --kind email|slack|webhook|ping (--from-json FILE | kind flags) [--json]

${CHANNEL_FLAGS_HELP}`;

export async function channelCommand(argv: string[]): Promise<number> {
  return runSubcommand(argv, USAGE, { add, list, test, rm });
}

const COMMON = { ...JSON_FLAG, ...HELP_FLAG } as const;

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...CHANNEL_FLAGS, ...COMMON } }, ADD_USAGE);
  if (values.help) return printUsage(ADD_USAGE);
  noPositionals(positionals, ADD_USAGE);
  if (!values.name) throw new CliError(`--name is required\n\n${ADD_USAGE}`);
  const view = await bodyOf(apiClient().channels.$post({ json: { name: values.name, config: channelConfig(values) } }));
  if (values.json) printJson(view);
  else console.log(`Added ${view.kind} channel "${view.name}" (${view.id}): ${describeConfig(view.config)}\nTry it with: drill channel test ${view.name}`);
  return EXIT_PASSED;
}

async function list(argv: string[]): Promise<number> {
  const usage = 'Usage: drill channel list [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: COMMON }, usage);
  if (values.help) return printUsage(usage);
  noPositionals(positionals, usage);
  const { channels } = await bodyOf(apiClient().channels.$get());
  if (values.json) printJson({ channels });
  else if (channels.length === 0) console.log('No channels yet. Add one with: drill channel add --name NAME --kind webhook --url URL --signing-secret-credential NAME');
  else for (const line of formatTable([['NAME', 'KIND', 'HEALTH', 'FAILURES', 'LAST SENT', 'USED BY', 'LAST ERROR'], ...channels.map(channelRow)])) console.log(line);
  return EXIT_PASSED;
}

async function test(argv: string[]): Promise<number> {
  const usage = 'Usage: drill channel test NAME [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: COMMON }, usage);
  if (values.help) return printUsage(usage);
  const name = onePositional(positionals, 'a channel name or id', usage);
  // 502 is the channel's refusal, reported with what it answered; other failures are the API's.
  const { body } = await answerOf(apiClient({ timeoutMs: TEST_TIMEOUT_MS }).channels[':id'].test.$post({ param: byId(name) }), [502]);
  if (values.json) printJson(body);
  else if (body.status === 'sent') console.log(`Test message sent to "${body.channel}"${body.detail ? `: ${body.detail}` : ''}`);
  else console.log(`Test message to "${body.channel}" was NOT delivered: ${body.detail ?? 'no detail'}`);
  return body.status === 'sent' ? EXIT_PASSED : EXIT_USAGE_OR_INFRA;
}

async function rm(argv: string[]): Promise<number> {
  const usage = 'Usage: drill channel rm NAME [--json]';
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: COMMON }, usage);
  if (values.help) return printUsage(usage);
  const name = onePositional(positionals, 'a channel name or id', usage);
  const removed = await bodyOf(apiClient().channels[':id'].$delete({ param: byId(name) }));
  if (values.json) printJson(removed);
  else console.log(`Removed channel "${name}" (${removed.deleted}); its delivery history stays with the drills it alerted about`);
  return EXIT_PASSED;
}

function channelRow(channel: ChannelView): string[] {
  const { health } = channel;
  return [channel.name, channel.kind, health.status, String(health.consecutiveFailures), health.lastSuccessAt ?? 'never', channel.usedBy.map((u) => u.name).join(', ') || '-', health.lastError ?? '-'];
}

function describeConfig(config: ChannelConfig): string {
  switch (config.kind) {
    case 'email':
      return `mail from ${config.from} to ${config.to.join(', ')} through ${config.smtp.host}:${config.smtp.port} (${config.smtp.security}${config.smtp.credential ? `, login from vault credential ${config.smtp.credential}` : ''})`;
    case 'slack':
      return `Slack incoming webhook (URL in vault credential ${config.webhookUrl})`;
    case 'webhook':
      return `POST to ${config.url}, signed with vault credential ${config.signingSecret}`;
    case 'ping':
      return `pings (URL in vault credential ${config.url})`;
  }
}
