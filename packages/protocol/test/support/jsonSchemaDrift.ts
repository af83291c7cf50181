import { z } from 'zod';
import type { YamlValue } from './yamlSubset';

type Json = YamlValue;
type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a local reference (`#/components/schemas/X`, RFC 6901 escapes) inside `document`. */
export function resolvePointer(document: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node: Json = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !Object.hasOwn(node, key)) throw new Error(`unresolved reference ${ref}`);
    node = node[key] as Json;
  }
  return node;
}

/** A copy of `node` with every `$ref` replaced by its target (a `$ref` with siblings is an error). */
export function dereference(document: Json, node: Json, seen: readonly string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => dereference(document, item, seen));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const siblings = Object.keys(node).filter((k) => k !== '$ref');
    // JSON Schema draft 07 ignores members beside $ref: a description there would never be shown.
    if (siblings.length > 0) throw new Error(`$ref ${ref} has siblings that tools ignore: ${siblings.join(', ')}`);
    if (seen.includes(ref)) throw new Error(`circular reference ${[...seen, ref].join(' → ')}`);
    return dereference(document, resolvePointer(document, ref), [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, dereference(document, v, seen)]));
}

const ANNOTATIONS = new Set(['$schema', 'description', 'title', 'examples', 'example', '$comment']);

/**
 * Brings a JSON Schema to one spelling of each constraint, so that the hand-written document and
 * the schema zod derives compare equal exactly when they accept the same payloads:
 * annotations dropped, `anyOf [X, null]` and `type: [T, null]` both become X with `nullable`,
 * a `const` needs no `type`, and an integer `exclusiveMinimum: n` is `minimum: n + 1`.
 */
export function normalizeSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(normalizeSchema);
  if (!isObject(schema)) return schema;
  let node: JsonObject = Object.fromEntries(
    Object.entries(schema)
      .filter(([k]) => !ANNOTATIONS.has(k))
      .map(([k, v]) => [k, k === 'properties' && isObject(v) ? mapValues(v, normalizeSchema) : normalizeSchema(v)]),
  );

  const anyOf = node.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nonNull = anyOf.filter((s) => !(isObject(s) && s.type === 'null' && Object.keys(s).length === 1));
    if (nonNull.length === 1 && isObject(nonNull[0])) {
      const { anyOf: _anyOf, ...rest } = node;
      node = { ...rest, ...nonNull[0], nullable: true };
    }
  }
  const type = node.type;
  if (Array.isArray(type) && type.length === 2 && type.includes('null')) {
    node = { ...node, type: type.find((t) => t !== 'null') ?? null, nullable: true };
  }
  if ('const' in node) {
    const { type: _type, ...rest } = node;
    node = rest;
  }
  if (node.type === 'integer') {
    if (typeof node.exclusiveMinimum === 'number') {
      const { exclusiveMinimum, ...rest } = node;
      node = { ...rest, minimum: exclusiveMinimum + 1 };
    }
    if (typeof node.exclusiveMaximum === 'number') {
      const { exclusiveMaximum, ...rest } = node;
      node = { ...rest, maximum: exclusiveMaximum - 1 };
    }
  }
  return node;
}

function mapValues(object: JsonObject, f: (value: Json) => Json): JsonObject {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, f(v)]));
}

/** The JSON Schema of what a zod schema accepts on input (zod strips unknown members, so no additionalProperties). */
export function zodInputSchema(schema: z.ZodType): Json {
  return normalizeSchema(z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'throw' }) as Json);
}

const isSetLike = (key: string) => key === 'required' || key === 'enum' || key === 'type';

/**
 * Every difference between two normalized schemas, as readable lines (empty when they agree).
 * `required` and `enum` compare as sets; everything else exactly.
 */
export function schemaDrift(documented: Json, code: Json, path = '$'): string[] {
  if (isObject(documented) && isObject(code)) {
    const out: string[] = [];
    for (const key of new Set([...Object.keys(code), ...Object.keys(documented)])) {
      const here = `${path}.${key}`;
      if (!Object.hasOwn(documented, key))
        out.push(`${here}: in the code (${JSON.stringify(code[key])}), not in the doc`);
      else if (!Object.hasOwn(code, key))
        out.push(`${here}: in the doc (${JSON.stringify(documented[key])}), not in the code`);
      else if (isSetLike(key) && Array.isArray(documented[key]) && Array.isArray(code[key])) {
        const a = [...(documented[key] as Json[])].map(String).sort();
        const b = [...(code[key] as Json[])].map(String).sort();
        if (JSON.stringify(a) !== JSON.stringify(b))
          out.push(`${here}: doc ${JSON.stringify(a)} ≠ code ${JSON.stringify(b)}`);
      } else out.push(...schemaDrift(documented[key] as Json, code[key] as Json, here));
    }
    return out;
  }
  if (Array.isArray(documented) && Array.isArray(code) && documented.length === code.length) {
    return documented.flatMap((item, i) => schemaDrift(item, code[i] as Json, `${path}[${i}]`));
  }
  return JSON.stringify(documented) === JSON.stringify(code)
    ? []
    : [`${path}: doc ${JSON.stringify(documented)} ≠ code ${JSON.stringify(code)}`];
}
