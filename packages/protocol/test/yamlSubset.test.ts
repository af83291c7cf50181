import { describe, expect, it } from 'vitest';
import { parseYamlSubset, YamlSubsetError } from './support/yamlSubset';

describe('parseYamlSubset (the reader behind asyncapi.test.ts)', () => {
  it('reads nested block mappings and sequences, including `- key: value` items', () => {
    const text = [
      'asyncapi: 3.0.0',
      'info:',
      '  title: SmartLocker device protocol',
      '  version: 1.0.0',
      'operations:',
      '  sendState:',
      '    messages:',
      "      - $ref: '#/channels/state/messages/lockerState'",
      '      - name: second',
      '        payload:',
      '          seq: 1044',
      '          until: null',
      '    tags:',
      '    - plain',
      '    - 12.5',
      'last: true',
    ].join('\n');
    expect(parseYamlSubset(text)).toEqual({
      asyncapi: '3.0.0',
      info: { title: 'SmartLocker device protocol', version: '1.0.0' },
      operations: {
        sendState: {
          messages: [
            { $ref: '#/channels/state/messages/lockerState' },
            { name: 'second', payload: { seq: 1044, until: null } },
          ],
          tags: ['plain', 12.5],
        },
      },
      last: true,
    });
  });

  it('reads literal blocks, keeping inner blank lines and clipping the end', () => {
    const text = [
      'description: |',
      '  First line.',
      '',
      '    indented: kept',
      'next: |-',
      '  no newline',
      'after: 1',
    ].join('\n');
    expect(parseYamlSubset(text)).toEqual({
      description: 'First line.\n\n  indented: kept\n',
      next: 'no newline',
      after: 1,
    });
  });

  it('reads quoted scalars, flow collections and comments', () => {
    const text = [
      '# a comment line',
      "pattern: '^[A-Z0-9][A-Z0-9_-]{0,63}$'   # trailing comment",
      'escaped: "tab\\there \\u00e9 \\"q\\""',
      "apostrophe: 'it''s # not a comment'",
      "type: [boolean, 'null']",
      'empty: []',
      'map: { kind: user, ref: booking-42 }',
      "host: '{brokerHost}:8883'",
      'plain: localhost:1884',
    ].join('\n');
    expect(parseYamlSubset(text)).toEqual({
      pattern: '^[A-Z0-9][A-Z0-9_-]{0,63}$',
      escaped: 'tab\there é "q"',
      apostrophe: "it's # not a comment",
      type: ['boolean', 'null'],
      empty: [],
      map: { kind: 'user', ref: 'booking-42' },
      host: '{brokerHost}:8883',
      plain: 'localhost:1884',
    });
  });

  it('keeps integers exact up to 2^53 − 1', () => {
    expect(parseYamlSubset('maximum: 9007199254740991')).toEqual({ maximum: Number.MAX_SAFE_INTEGER });
  });

  it.each([
    ['an anchor', 'a: &x 1'],
    ['an alias', 'a: *x'],
    ['a tag', 'a: !!str 1'],
    ['a folded block', 'a: >\n  text'],
    ['a tab in the indent', 'a:\n\tb: 1'],
    ['a duplicate key', 'a: 1\na: 2'],
    ['a YAML 1.1 boolean', 'a: yes'],
    ['a number YAML 1.1 reads differently', 'a: 1_000'],
    ['a date', 'a: 2025-01-15'],
    ['": " inside a plain scalar', 'a: b: c'],
    ['an unterminated quote', "a: 'open"],
    ['a nested flow collection', 'a: [[1]]'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2'],
  ])('refuses %s with the line number instead of guessing', (_label, text) => {
    expect(() => parseYamlSubset(text)).toThrow(YamlSubsetError);
    expect(() => parseYamlSubset(text)).toThrow(/^line \d+: /);
  });
});
