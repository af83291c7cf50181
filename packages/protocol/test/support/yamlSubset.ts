/**
 * A reader for the block-style YAML subset that docs/asyncapi.yaml is written in, because the
 * repository has no YAML library and the consistency test must not pull one in.
 *
 * Supported: block mappings and sequences (a sequence may sit at its parent key's indent),
 * `- key: value` items, single-line flow sequences `[a, 'b']` and flow mappings `{ a: b }` of
 * scalars, `|` / `|-` literal block scalars, single- and double-quoted scalars, comments, and
 * the YAML 1.2 core schema for plain scalars (null, true/false, integers, decimals).
 *
 * Anything outside the subset (anchors, aliases, tags, folded or multi-line plain scalars,
 * tabs, YAML 1.1 booleans such as `yes`) is an error naming the line, never a silent guess:
 * a document this reader accepts reads the same in any YAML 1.2 parser.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlSubsetError extends Error {
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  /** 1-based, for error messages. */
  number: number;
  indent: number;
  /** Content after the indent, comment removed, trailing spaces trimmed. */
  text: string;
}

export function parseYamlSubset(source: string): YamlValue {
  return new Reader(source.replace(/\r\n/g, '\n').split('\n')).document();
}

class Reader {
  readonly #raw: string[];
  #index = 0;
  /** A line whose leading `- ` was consumed by a sequence: its remainder, re-indented. */
  #pending: Line | null = null;

  constructor(raw: string[]) {
    this.#raw = raw;
  }

  document(): YamlValue {
    const first = this.#peek();
    if (first === null) return null;
    if (first.text === '---') {
      this.#advance();
    }
    const start = this.#peek();
    if (start === null) return null;
    if (start.indent !== 0) throw new YamlSubsetError('the document must start at column 0', start.number);
    const value = this.#block();
    const rest = this.#peek();
    if (rest !== null) throw new YamlSubsetError(`unexpected content: ${rest.text}`, rest.number);
    return value;
  }

  /** The next line that carries content, or null at the end. */
  #peek(): Line | null {
    if (this.#pending) return this.#pending;
    while (this.#index < this.#raw.length) {
      const raw = this.#raw[this.#index] ?? '';
      const number = this.#index + 1;
      if (/^\s*\t/.test(raw)) throw new YamlSubsetError('tab in indentation', number);
      const text = stripComment(raw).trimEnd();
      if (text.trim() === '') {
        this.#index += 1;
        continue;
      }
      const indent = text.length - text.trimStart().length;
      return { number, indent, text: text.trimStart() };
    }
    return null;
  }

  #advance(): void {
    if (this.#pending) this.#pending = null;
    else this.#index += 1;
  }

  #block(): YamlValue {
    const line = this.#peek();
    if (line === null) return null;
    return isSequenceItem(line.text) ? this.#sequence(line.indent) : this.#mapping(line.indent);
  }

  #sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.#peek(); line !== null && line.indent === indent; line = this.#peek()) {
      if (!isSequenceItem(line.text)) break;
      const rest = line.text.slice(1).trimStart();
      const itemIndent = indent + (line.text.length - rest.length);
      if (rest === '') {
        this.#advance();
        const next = this.#peek();
        items.push(next !== null && next.indent > indent ? this.#block() : null);
      } else if (isSequenceItem(rest) || mappingKey(rest, line.number) !== null) {
        // `- key: value`: the item is a block whose first line starts after the dash.
        this.#advance();
        this.#pending = { number: line.number, indent: itemIndent, text: rest };
        items.push(this.#block());
      } else {
        this.#advance();
        items.push(inlineValue(rest, line.number));
      }
    }
    const stray = this.#peek();
    if (stray !== null && stray.indent > indent) throw new YamlSubsetError('bad indentation', stray.number);
    return items;
  }

  #mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.#peek(); line !== null && line.indent === indent; line = this.#peek()) {
      if (isSequenceItem(line.text)) break;
      const entry = mappingKey(line.text, line.number);
      if (entry === null) throw new YamlSubsetError(`expected "key: value", got: ${line.text}`, line.number);
      const { key, rest } = entry;
      if (Object.hasOwn(map, key)) throw new YamlSubsetError(`duplicate key ${JSON.stringify(key)}`, line.number);
      this.#advance();
      if (rest === '') {
        const next = this.#peek();
        if (next !== null && next.indent > indent) map[key] = this.#block();
        else if (next !== null && next.indent === indent && isSequenceItem(next.text))
          map[key] = this.#sequence(indent);
        else map[key] = null;
      } else if (rest === '|' || rest === '|-') {
        map[key] = this.#literal(indent, rest === '|-');
      } else if (/^[|>]/.test(rest)) {
        throw new YamlSubsetError(`block scalar style ${rest} is not supported`, line.number);
      } else {
        map[key] = inlineValue(rest, line.number);
      }
    }
    const stray = this.#peek();
    if (stray !== null && stray.indent > indent) throw new YamlSubsetError('bad indentation', stray.number);
    return map;
  }

  /** A `|` block: raw lines indented deeper than the key, blank lines kept. */
  #literal(parentIndent: number, strip: boolean): string {
    const lines: string[] = [];
    let contentIndent = -1;
    while (this.#index < this.#raw.length) {
      const raw = this.#raw[this.#index] ?? '';
      if (raw.trim() === '') {
        lines.push('');
        this.#index += 1;
        continue;
      }
      const indent = raw.length - raw.trimStart().length;
      if (indent <= parentIndent) break;
      if (contentIndent === -1) contentIndent = indent;
      if (indent < contentIndent) throw new YamlSubsetError('block scalar line is less indented', this.#index + 1);
      if (/^\s*\t/.test(raw)) throw new YamlSubsetError('tab in indentation', this.#index + 1);
      lines.push(raw.slice(contentIndent));
      this.#index += 1;
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) return '';
    return strip ? lines.join('\n') : `${lines.join('\n')}\n`;
  }
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** `key: rest` → key and rest; null when the text is not a mapping entry. */
function mappingKey(text: string, number: number): { key: string; rest: string } | null {
  if (text.startsWith("'") || text.startsWith('"')) {
    const end = closingQuote(text, number);
    const after = text.slice(end + 1);
    if (!/^:(\s|$)/.test(after)) return null;
    return { key: String(quoted(text.slice(0, end + 1), number)), rest: after.slice(1).trim() };
  }
  const match = /^([^\s:[\]{},#&*!|>'"%@`?-][^:]*?|-[^\s:][^:]*?):(\s+(.*))?$/.exec(text);
  if (match === null) return null;
  return { key: match[1] ?? '', rest: (match[3] ?? '').trim() };
}

function closingQuote(text: string, number: number): number {
  const quote = text[0];
  for (let i = 1; i < text.length; i += 1) {
    if (quote === '"' && text[i] === '\\') {
      i += 1;
      continue;
    }
    if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 1;
        continue;
      }
      return i;
    }
  }
  throw new YamlSubsetError('unterminated quoted scalar (multi-line scalars are not supported)', number);
}

/** Removes a `#` comment that is outside quotes and preceded by a space (or starts the line). */
function stripComment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i];
    if (quote === '"' && c === '\\') {
      i += 1;
    } else if (quote !== null) {
      if (c === quote) {
        if (quote === "'" && raw[i + 1] === "'") i += 1;
        else quote = null;
      }
    } else if ((c === "'" || c === '"') && (i === 0 || /[\s[{,:-]/.test(raw[i - 1] ?? ''))) {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] ?? ''))) {
      return raw.slice(0, i);
    }
  }
  // An unterminated quote is left for the scalar reader to report.
  return raw;
}

function inlineValue(text: string, number: number): YamlValue {
  if (text.startsWith('[')) return flowSequence(text, number);
  if (text.startsWith('{')) return flowMapping(text, number);
  return scalar(text, number);
}

function flowItems(inner: string, number: number): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i] ?? '';
    if (quote !== null) {
      current += c;
      if (quote === '"' && c === '\\') {
        current += inner[i + 1] ?? '';
        i += 1;
      } else if (c === quote) {
        if (quote === "'" && inner[i + 1] === "'") {
          current += "'";
          i += 1;
        } else quote = null;
      }
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if ('[]{}'.includes(c)) {
      throw new YamlSubsetError('nested flow collections are not supported', number);
    } else if (c === ',') {
      items.push(current.trim());
      current = '';
    } else current += c;
  }
  if (quote !== null) throw new YamlSubsetError('unterminated quoted scalar', number);
  if (current.trim() !== '') items.push(current.trim());
  else if (items.length > 0) throw new YamlSubsetError('empty item in flow collection', number);
  return items;
}

function flowSequence(text: string, number: number): YamlValue[] {
  if (!text.endsWith(']')) throw new YamlSubsetError('a flow sequence must close on its line', number);
  return flowItems(text.slice(1, -1), number).map((item) => scalar(item, number));
}

function flowMapping(text: string, number: number): { [key: string]: YamlValue } {
  if (!text.endsWith('}')) throw new YamlSubsetError('a flow mapping must close on its line', number);
  const map: { [key: string]: YamlValue } = {};
  for (const item of flowItems(text.slice(1, -1), number)) {
    const entry = mappingKey(item, number);
    if (entry === null) throw new YamlSubsetError(`expected "key: value" in flow mapping, got: ${item}`, number);
    if (Object.hasOwn(map, entry.key)) throw new YamlSubsetError(`duplicate key ${JSON.stringify(entry.key)}`, number);
    map[entry.key] = scalar(entry.rest, number);
  }
  return map;
}

function quoted(text: string, number: number): string {
  const end = closingQuote(text, number);
  if (end !== text.length - 1) throw new YamlSubsetError(`text after a quoted scalar: ${text}`, number);
  const body = text.slice(1, -1);
  if (text[0] === "'") return body.replace(/''/g, "'");
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_all, code: string) => {
    if (code.startsWith('u') && code.length === 5) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0' };
    const value = simple[code];
    if (value === undefined) throw new YamlSubsetError(`unsupported escape \\${code}`, number);
    return value;
  });
}

/** What YAML 1.1 or 1.2 may read as a number (or date, or base-60 integer) although this reader did not. */
const NUMBER_LIKE =
  /^[-+]?(\.inf|\.nan|0x[0-9a-f_]+|0o?[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)$/i;
const YAML_11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

function scalar(text: string, number: number): YamlValue {
  if (text === '') return null;
  if (text.startsWith("'") || text.startsWith('"')) return quoted(text, number);
  if (/^[[\]{}&*!|>%@`,?]/.test(text)) throw new YamlSubsetError(`unsupported YAML syntax: ${text}`, number);
  if (/:\s/.test(text) || text.endsWith(':')) {
    throw new YamlSubsetError(`a plain scalar cannot contain ": " (quote it): ${text}`, number);
  }
  if (text === 'null' || text === 'Null' || text === 'NULL' || text === '~') return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (YAML_11_BOOLEANS.test(text)) {
    throw new YamlSubsetError(`${text} is a boolean in YAML 1.1 and a string in 1.2: quote it`, number);
  }
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^[-+]?(0|[1-9][0-9]*)\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (NUMBER_LIKE.test(text) || /^\d{4}-\d{2}-\d{2}/.test(text) || /^\d+(:[0-5]?\d)+$/.test(text)) {
    throw new YamlSubsetError(`ambiguous plain scalar (quote it): ${text}`, number);
  }
  return text;
}
