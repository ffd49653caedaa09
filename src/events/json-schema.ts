import { z } from 'zod';
import { feedbackSchema } from '../feedback/schema.ts';
import { securityEventSchema } from '../sinks/commands/schema.ts';
import { accessEventSchema, authEventSchema } from './schema.ts';

/** The JSON Schema files checked in under schemas/ (input events, analysts' feedback and command payloads), generated from zod. */
export function eventJsonSchemas(): Record<string, unknown> {
  const toFile = (schema: z.ZodType, id: string) => ({
    $id: `urn:vigil:schema:${id}`,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  });
  return {
    'auth-event.v1.json': toFile(authEventSchema, 'auth-event.v1.json'),
    'access-event.v1.json': toFile(accessEventSchema, 'access-event.v1.json'),
    'command.v1.json': toFile(securityEventSchema, 'command.v1.json'),
    'feedback.v1.json': toFile(feedbackSchema, 'feedback.v1.json'),
  };
}
