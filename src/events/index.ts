export * from './schema.ts';
export { parseEvent, validateEvent, type ParseResult } from './parse.ts';
export { eventJsonSchemas } from './json-schema.ts';
