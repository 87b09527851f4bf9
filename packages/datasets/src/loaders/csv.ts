/**
 * Delimited text (csv, tsv). Two quoting modes:
 *   'minimal' (RFC 4180, Python's QUOTE_MINIMAL): a field may be wrapped in double quotes,
 *             `""` inside is one quote, and a quoted field may span lines;
 *   'none'    (Python's QUOTE_NONE, what GLUE's TSVs need): quotes are ordinary characters, a
 *             row is one line. GLUE sentences such as `he said "no` would otherwise swallow the
 *             following lines into one field.
 * Rows whose field count differs from the header's throw `RAGGED_ROW` (file, line, counts), or
 * are skipped and counted with `onBadRow: 'skip'`.
 */
import { DatasetError } from '../errors.js';

export type Quoting = 'minimal' | 'none';

export interface ParseOptions {
  readonly delimiter: string;
  readonly quoting: Quoting;
  /** File name for error messages. */
  readonly file: string;
}

/** One parsed record with the 1-based line it starts on. */
export interface Record_ {
  readonly line: number;
  readonly fields: string[];
}

/** Splits `text` into records. A UTF-8 BOM is dropped; `\r\n` and `\n` both end a row. */
export function parseDelimited(text: string, options: ParseOptions): Record_[] {
  const { delimiter: d, quoting, file } = options;
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.endsWith('\n')) s = s.slice(0, s.endsWith('\r\n') ? -2 : -1);
  const out: Record_[] = [];
  if (s.length === 0) return out;
  if (quoting === 'none') {
    const lines = s.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let l = lines[i] as string;
      if (l.endsWith('\r')) l = l.slice(0, -1);
      out.push({ line: i + 1, fields: l.split(d) });
    }
    return out;
  }
  // 'minimal': a small state machine over characters.
  let line = 1;
  let start = 1;
  let field = '';
  let fields: string[] = [];
  let i = 0;
  let quoted = false;
  while (i <= s.length) {
    const c = s[i];
    if (quoted) {
      if (c === undefined)
        throw new DatasetError(
          'UNTERMINATED_QUOTE',
          `${file}: line ${start}: a quoted field is never closed; fix the quote or read with quoting: 'none'`,
        );
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === undefined || c === '\n') {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      fields.push(field);
      out.push({ line: start, fields });
      fields = [];
      field = '';
      line++;
      start = line;
      i++;
      continue;
    }
    if (c === d) {
      fields.push(field);
      field = '';
    } else if (c === '"' && field === '') quoted = true;
    else field += c;
    i++;
  }
  return out;
}

/** Header + rows -> columns of strings, checking every row's width. */
export function toColumns(
  records: readonly Record_[],
  header: readonly string[],
  file: string,
  onBadRow: 'error' | 'skip',
): { columns: Record<string, string[]>; lines: number[]; skipped: number } {
  const columns: Record<string, string[]> = {};
  for (const h of header) columns[h] = [];
  const lines: number[] = [];
  let skipped = 0;
  for (const r of records) {
    if (r.fields.length !== header.length) {
      if (r.fields.length === 1 && r.fields[0] === '') continue; // blank line
      if (onBadRow === 'skip') {
        skipped++;
        continue;
      }
      const col = header[Math.min(r.fields.length, header.length - 1)];
      throw new DatasetError(
        'RAGGED_ROW',
        `${file}: line ${r.line}: expected ${header.length} fields (${header.join(', ')}), found ${r.fields.length}${r.fields.length < header.length ? `; column '${col}' is missing` : ''}. Check the delimiter and quoting (GLUE TSVs need quoting: 'none')`,
      );
    }
    r.fields.forEach((f, i) => {
      (columns[header[i] as string] as string[]).push(f);
    });
    lines.push(r.line);
  }
  return { columns, lines, skipped };
}

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|nan)$/i;

/** pandas-like inference: all ints -> numbers (int64), all numeric -> float64, else strings. Empty cells -> null. */
export function inferColumn(values: readonly string[]): {
  kind: 'int64' | 'float64' | 'string';
  values: unknown[];
} {
  let allInt = true;
  let allNum = true;
  let any = false;
  for (const v of values) {
    if (v === '') continue;
    any = true;
    if (!INT.test(v)) allInt = false;
    if (!FLOAT.test(v)) {
      allNum = false;
      break;
    }
  }
  if (any && allInt && values.every((v) => v === '' || Number.isSafeInteger(Number(v))))
    return { kind: 'int64', values: values.map((v) => (v === '' ? null : Number(v))) };
  if (any && allNum)
    return { kind: 'float64', values: values.map((v) => (v === '' ? null : Number(v))) };
  return { kind: 'string', values: values.map((v) => (v === '' ? null : v)) };
}
