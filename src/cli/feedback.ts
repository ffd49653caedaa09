import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { Partitioners } from 'kafkajs';
import { parseFeedback } from '../feedback/schema.ts';
import { createLogger } from '../ops/logger.ts';
import { createKafka } from '../pipeline/kafka.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const HELP = `usage: vigil feedback --decision ID --user ID --verdict confirmed|benign --analyst WHO --reason TEXT
                      [--device ID] [--country CC] [--decision-action ACTION]
                      [--allow user|network|group [--network CIDR] [--group NAME] [--signals a,b]
                       [--expires ISO]]
                      [--print]

Sends an analyst's verdict on a decision to the feedback topic, keyed by user, validated as
schemas/feedback.v1.json says. benign teaches the device or country and, with --allow, adds an
allowlist entry (30 days unless --expires says otherwise, at most 365): for the user, the user from
--network, or every user whose events carry --group as user_group. confirmed marks the device
compromised, keeps the user's risk high, and revokes the user's sessions unless --decision-action
says the decision already did. --print writes the verdict as an NDJSON line instead, for a file that
\`vigil replay\` reads with the events.

Exit status 2 when the verdict is invalid, with the field and what is wrong.`;

/** The flags `vigil feedback` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  decision: { type: 'string' },
  user: { type: 'string' },
  verdict: { type: 'string' },
  analyst: { type: 'string' },
  reason: { type: 'string' },
  device: { type: 'string' },
  country: { type: 'string' },
  'decision-action': { type: 'string' },
  allow: { type: 'string' },
  network: { type: 'string' },
  group: { type: 'string' },
  signals: { type: 'string' },
  expires: { type: 'string' },
  id: { type: 'string' },
  at: { type: 'string' },
  print: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: OPTIONS,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const at = values.at ?? new Date().toISOString();
  const candidate = {
    kind: 'feedback',
    feedback_id: values.id ?? `fb-${values.decision ?? ''}-${Date.parse(at)}`,
    occurred_at: at,
    user_id: values.user,
    decision_id: values.decision,
    verdict: values.verdict,
    analyst: values.analyst,
    reason: values.reason,
    ...(values.device && { device_id: values.device }),
    ...(values.country && { country: values.country }),
    ...(values['decision-action'] && { decision_action: values['decision-action'] }),
    ...(values.allow && {
      allowlist: {
        scope: values.allow,
        ...(values.network && { network: values.network }),
        ...(values.group && { group: values.group }),
        ...(values.signals && { signals: values.signals.split(',').map((s) => s.trim()) }),
        ...(values.expires && { expires_at: values.expires }),
      },
    }),
  };
  const parsed = parseFeedback(JSON.stringify(candidate));
  if (!parsed.ok) {
    process.stderr.write(`vigil feedback: ${parsed.reason}\n`);
    return 2;
  }
  const line = JSON.stringify(parsed.feedback);
  if (values.print) {
    process.stdout.write(`${line}\n`);
    return 0;
  }
  const settings = commandSettings();
  const { config } = settings;
  const notice = stackNotice(settings.stack);
  if (notice) process.stderr.write(`vigil feedback: ${notice}\n`);
  await awaitDependencies(settings, { kafka: true });
  const kafka = createKafka(config.kafka, createLogger({ level: 'warn', destination: process.stderr }));
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: config.kafka.topics.feedback,
      messages: [{ key: parsed.feedback.user_id, value: line }],
    });
  } finally {
    await producer.disconnect();
  }
  process.stderr.write(
    `vigil feedback: sent ${parsed.feedback.feedback_id} to ${config.kafka.topics.feedback}\n`,
  );
  return 0;
}
