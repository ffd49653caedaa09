export * from './schema.ts';
export { parseEvent, REJECTION_CODES, validateEvent, type ParseResult, type RejectionCode } from './parse.ts';
export { eventJsonSchemas } from './json-schema.ts';
