// The JSON Schema of a rule file, for editor completion and checks
// (yaml-language-server, VS Code). Built from the same tables the loader
// uses, so it cannot drift: `sensor rules schema` prints it, and a test keeps
// the committed rules/schema.json equal to it.
import { PRIORITIES } from '../alerts/types';
import { FIELD_NAMES } from './catalog';
import { EVENT_NAMES } from './event-types';
import { OPERATORS } from './operators';

export function ruleFileSchema(): Record<string, unknown> {
  const priorities = [...PRIORITIES.map((p) => p.toUpperCase()), 'INFO'];
  const field = {
    anyOf: [
      { enum: [...FIELD_NAMES] },
      { type: 'string', pattern: '^k8s\\.pod\\.label\\[[^\\]]+\\]$' },
    ],
  };
  const scalar = { type: ['string', 'number', 'boolean', 'null'] };
  const mode = (...m: string[]) => ({ enum: m });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/kestrel-sensor/kestrel/rules/schema.json',
    title: 'Kestrel rule file',
    description: 'A list of list, macro and rule items (docs/rules.md).',
    type: 'array',
    items: { oneOf: [{ $ref: '#/definitions/list' }, { $ref: '#/definitions/macro' }, { $ref: '#/definitions/rule' }] },
    definitions: {
      field,
      condition: {
        oneOf: [
          { type: 'object', required: ['all'], additionalProperties: false, properties: { all: { type: 'array', items: { $ref: '#/definitions/condition' } }, name: { type: 'string' } } },
          { type: 'object', required: ['any'], additionalProperties: false, properties: { any: { type: 'array', items: { $ref: '#/definitions/condition' } }, name: { type: 'string' } } },
          { type: 'object', required: ['not'], additionalProperties: false, properties: { not: { $ref: '#/definitions/condition' }, name: { type: 'string' } } },
          { type: 'object', required: ['condition'], additionalProperties: false, properties: { condition: { type: 'string', description: 'a macro name' }, name: { type: 'string' } } },
          {
            type: 'object',
            required: ['fact', 'operator', 'value'],
            additionalProperties: false,
            properties: {
              fact: { $ref: '#/definitions/field' },
              operator: { enum: [...OPERATORS.keys()] },
              value: {
                anyOf: [
                  scalar,
                  { type: 'array', items: scalar },
                  { type: 'object', required: ['list'], additionalProperties: false, properties: { list: { type: 'string' } } },
                  { type: 'object', required: ['fact'], additionalProperties: false, properties: { fact: { $ref: '#/definitions/field' } } },
                  { type: 'object', required: ['pattern'], additionalProperties: false, properties: { pattern: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, flags: { type: 'string' } } },
                ],
              },
              name: { type: 'string' },
            },
          },
        ],
      },
      list: {
        type: 'object',
        required: ['list', 'items'],
        additionalProperties: false,
        properties: {
          list: { type: 'string' },
          items: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
          override: { type: 'object', additionalProperties: false, properties: { items: mode('append', 'replace') } },
        },
      },
      macro: {
        type: 'object',
        required: ['macro', 'condition'],
        additionalProperties: false,
        properties: {
          macro: { type: 'string' },
          condition: { $ref: '#/definitions/condition' },
          override: { type: 'object', additionalProperties: false, properties: { condition: mode('replace') } },
        },
      },
      exception: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          fields: { anyOf: [{ $ref: '#/definitions/field' }, { type: 'array', items: { $ref: '#/definitions/field' } }] },
          comps: { anyOf: [{ enum: [...OPERATORS.keys()] }, { type: 'array', items: { enum: [...OPERATORS.keys()] } }] },
          values: { type: 'array' },
        },
      },
      rule: {
        type: 'object',
        required: ['rule'],
        additionalProperties: false,
        properties: {
          rule: { type: 'string' },
          desc: { type: 'string' },
          events: { anyOf: [{ enum: [...EVENT_NAMES] }, { type: 'array', minItems: 1, items: { enum: [...EVENT_NAMES] } }] },
          condition: { $ref: '#/definitions/condition' },
          output: { type: 'string', description: 'a sentence with %field references, then |, then key=%field pairs' },
          priority: { anyOf: [{ enum: priorities }, { enum: priorities.map((p) => p.toLowerCase()) }, { type: 'string' }] },
          tags: { type: 'array', items: { type: 'string' } },
          enabled: { type: 'boolean' },
          source: { const: 'syscall' },
          exceptions: { type: 'array', items: { $ref: '#/definitions/exception' } },
          override: {
            type: 'object',
            additionalProperties: false,
            properties: {
              desc: mode('replace'), events: mode('replace'), condition: mode('replace'), output: mode('replace'),
              priority: mode('replace'), enabled: mode('replace'), tags: mode('append', 'replace'), exceptions: mode('append', 'replace'),
            },
          },
        },
      },
    },
  };
}
