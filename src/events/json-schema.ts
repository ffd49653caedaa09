import { z } from 'zod';
import { accessEventSchema, authEventSchema } from './schema.ts';

/** The JSON Schema files checked in under schemas/, generated from the zod schemas so they cannot drift. */
export function eventJsonSchemas(): Record<string, unknown> {
  const toFile = (schema: z.ZodType, id: string) => ({
    $id: `urn:vigil:schema:${id}`,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  });
  return {
    'auth-event.v1.json': toFile(authEventSchema, 'auth-event.v1.json'),
    'access-event.v1.json': toFile(accessEventSchema, 'access-event.v1.json'),
  };
}
